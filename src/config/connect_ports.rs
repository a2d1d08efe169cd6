//! `proxy.config.http.connect_ports`: the ports a tunnel may go to (ATS's HttpConfig
//! `parse_ports_list`): `*` for any, else ports and `LOW-HIGH` ranges separated by spaces (or
//! commas). ATS's default is `443`. A word that is not a port or a range is an error naming it.
#![forbid(unsafe_code)]

/// The allowed ports; None: any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectPorts(Option<Vec<(u16, u16)>>);

impl ConnectPorts {
    pub fn parse(s: &str) -> Result<ConnectPorts, String> {
        if s.trim() == "*" {
            return Ok(ConnectPorts(None));
        }
        let port = |w: &str| -> Result<u16, String> {
            w.parse::<u16>()
                .map_err(|_| format!("'{w}' is not a port or a LOW-HIGH range"))
        };
        let mut ranges = Vec::new();
        for w in s.split([' ', ',', '\t']).filter(|w| !w.is_empty()) {
            let r = match w.split_once('-') {
                Some((lo, hi)) => (port(lo)?, port(hi)?),
                None => (port(w)?, port(w)?),
            };
            if r.0 > r.1 {
                return Err(format!("'{w}': the range is empty"));
            }
            ranges.push(r);
        }
        Ok(ConnectPorts(Some(ranges)))
    }

    pub fn allows(&self, port: u16) -> bool {
        match &self.0 {
            None => true,
            Some(r) => r.iter().any(|(lo, hi)| (*lo..=*hi).contains(&port)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ConnectPorts;

    #[test]
    fn ports_ranges_and_any() {
        let p = ConnectPorts::parse("443 8000-8010,9443").unwrap();
        assert!(p.allows(443) && p.allows(8005) && p.allows(9443));
        assert!(!p.allows(80) && !p.allows(8011));
        assert!(ConnectPorts::parse("*").unwrap().allows(1));
        assert!(!ConnectPorts::parse("").unwrap().allows(443));
        assert!(ConnectPorts::parse("443 x").unwrap_err().contains("'x'"));
        assert!(ConnectPorts::parse("9-8").is_err());
    }
}
