//! A transaction's own values of ATS's overridable configurations (TSHttpTxnConfig*Set): what a
//! plugin set for this transaction only, by `TSOverridableConfigKey`. Empty (and not allocated)
//! until a plugin sets one; a key not set reads the record's value (records.config, or ATS's
//! default).
#![forbid(unsafe_code)]

/// A value set for one transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    Float(f32),
    Str(Box<[u8]>),
}

/// The values set for one transaction, in the order they were first set.
#[derive(Debug, Default)]
pub struct TxnConfig {
    values: Vec<(usize, Value)>,
}

impl TxnConfig {
    /// The value set for `key`, if any.
    pub fn get(&self, key: usize) -> Option<&Value> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Set `key` for this transaction (replacing an earlier value).
    pub fn set(&mut self, key: usize, v: Value) {
        match self.values.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v,
            None => self.values.push((key, v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_set_again_replaces_the_first() {
        let mut c = TxnConfig::default();
        assert_eq!(c.get(3), None);
        c.set(3, Value::Int(1));
        c.set(5, Value::Str(b"x".to_vec().into()));
        c.set(3, Value::Int(2));
        assert_eq!(c.get(3), Some(&Value::Int(2)));
        assert_eq!(c.get(5), Some(&Value::Str(b"x".to_vec().into())));
    }
}
