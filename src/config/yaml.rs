//! A YAML document as a small tree whose nodes know their line, for configuration files whose
//! errors must name file:line (ip_allow.yaml). Built from yaml-rust2's marked events; anchors and
//! aliases are not expanded (an alias is [`Node::Alias`], which the readers refuse).
#![forbid(unsafe_code)]

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Scalar(String),
    Seq(Vec<Marked>),
    /// Keys as text (a key that is not a scalar is kept as "").
    Map(Vec<(String, Marked)>),
    Alias,
}

/// A node and the line (from 1) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Marked {
    pub line: usize,
    pub node: Node,
}

impl Marked {
    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Marked> {
        match &self.node {
            Node::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn scalar(&self) -> Option<&str> {
        match &self.node {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// The containers being built, innermost last; a map holds its pending key.
enum Open {
    Seq(usize, Vec<Marked>),
    Map(usize, Vec<(String, Marked)>, Option<String>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Marked>,
}

impl Builder {
    fn push(&mut self, m: Marked) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(m);
                }
            }
            Some(Open::Seq(_, items)) => items.push(m),
            Some(Open::Map(_, entries, key)) => match key.take() {
                None => {
                    *key = Some(match m.node {
                        Node::Scalar(s) => s,
                        _ => String::new(),
                    })
                }
                Some(k) => entries.push((k, m)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(s, ..) => self.push(Marked {
                line,
                node: Node::Scalar(s),
            }),
            Event::Alias(_) => self.push(Marked {
                line,
                node: Node::Alias,
            }),
            Event::SequenceStart(..) => self.stack.push(Open::Seq(line, Vec::new())),
            Event::MappingStart(..) => self.stack.push(Open::Map(line, Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                let m = match self.stack.pop() {
                    Some(Open::Seq(line, items)) => Marked {
                        line,
                        node: Node::Seq(items),
                    },
                    Some(Open::Map(line, entries, _)) => Marked {
                        line,
                        node: Node::Map(entries),
                    },
                    None => return,
                };
                self.push(m);
            }
            _ => {}
        }
    }
}

/// The first document of `text` (None when it has none), or the parser's error and its line.
pub fn load(text: &str) -> Result<Option<Marked>, (usize, String)> {
    let mut b = Builder::default();
    Parser::new_from_str(text)
        .load(&mut b, false)
        .map_err(|e| (e.marker().line(), e.info().to_string()))?;
    Ok(b.root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_lines() {
        let t = load("# c\nip_allow:\n  - apply: in\n    methods: [GET, PUT]\n  - x: 1\n")
            .unwrap()
            .unwrap();
        let list = t.get("ip_allow").unwrap();
        let Node::Seq(items) = &list.node else {
            panic!("{list:?}")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].line, 3);
        assert_eq!(items[0].get("apply").unwrap().scalar(), Some("in"));
        let m = items[0].get("methods").unwrap();
        assert_eq!(m.line, 4);
        assert!(matches!(&m.node, Node::Seq(v) if v.len() == 2));
        assert_eq!(items[1].line, 5);
        assert_eq!(load("").unwrap(), None);
        let (line, _) = load("a:\n  - b\n c: [\n").unwrap_err();
        assert!(line >= 2, "{line}");
    }
}
