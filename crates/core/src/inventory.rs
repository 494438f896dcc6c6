//! The set of objects a scan looks at, with indexes built once.

use crate::object::Object;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// All objects of one scan. Controls that need cluster-wide context (which
/// ServiceAccounts are bound to roles, which namespaces have policies) query
/// these indexes rather than rescanning everything.
///
/// Cost: building is O(n) in objects; [`Inventory::of_kind`],
/// [`Inventory::namespace`] and [`Inventory::find`] are O(1) plus what they
/// return, so a control that looks something up per object stays O(n).
#[derive(Debug, Default)]
pub struct Inventory {
    objects: Vec<Object>,
    by_kind: HashMap<(String, String), Vec<usize>>,
    namespaces: HashMap<String, usize>,
    /// Hash of (group, kind, namespace, name) → objects with that hash,
    /// in input order (collisions are told apart on lookup).
    by_name: HashMap<u64, Vec<u32>>,
    /// The AWS side, when a live account or a snapshot was scanned.
    pub aws: Option<crate::aws::AwsFacts>,
}

fn name_key(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> u64 {
    // `DefaultHasher::new` has fixed keys: the same key on build and lookup.
    let mut h = DefaultHasher::new();
    (group, kind, namespace, name).hash(&mut h);
    h.finish()
}

impl Inventory {
    pub fn new(objects: Vec<Object>) -> Self {
        let mut inv = Inventory {
            objects,
            ..Default::default()
        };
        for (i, o) in inv.objects.iter().enumerate() {
            inv.by_kind
                .entry((o.group().to_owned(), o.kind.clone()))
                .or_default()
                .push(i);
            if o.is("", "Namespace") {
                inv.namespaces.entry(o.name.clone()).or_insert(i);
            }
            inv.by_name
                .entry(name_key(
                    o.group(),
                    &o.kind,
                    o.namespace.as_deref(),
                    &o.name,
                ))
                .or_default()
                .push(i as u32);
        }
        inv
    }

    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    pub fn into_objects(self) -> Vec<Object> {
        self.objects
    }

    /// Objects of one API group and kind, in input order.
    pub fn of_kind<'a>(&'a self, group: &str, kind: &str) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_kind
            .get(&(group.to_owned(), kind.to_owned()))
            .into_iter()
            .flatten()
            .map(move |&i| &self.objects[i])
    }

    /// The API groups that have objects of `kind` (few: one per group
    /// serving the kind).
    pub fn groups_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.by_kind
            .keys()
            .filter(move |(_, k)| k == kind)
            .map(|(g, _)| g.as_str())
    }

    pub fn namespace(&self, name: &str) -> Option<&Object> {
        self.namespaces.get(name).map(|&i| &self.objects[i])
    }

    pub fn namespace_names(&self) -> impl Iterator<Item = &str> {
        self.namespaces.keys().map(String::as_str)
    }

    /// Pods and pod-controllers.
    pub fn workloads(&self) -> impl Iterator<Item = &Object> {
        self.objects.iter().filter(|o| o.is_workload())
    }

    /// The first object (in input order) of this group, kind, namespace
    /// and name. O(1).
    pub fn find(
        &self,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<&Object> {
        self.find_index(group, kind, namespace, name)
            .map(|i| &self.objects[i])
    }

    /// Index in [`Inventory::objects`] of what [`Inventory::find`] finds.
    pub fn find_index(
        &self,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<usize> {
        self.by_name
            .get(&name_key(group, kind, namespace, name))?
            .iter()
            .map(|&i| i as usize)
            .find(|&i| {
                let o = &self.objects[i];
                o.name == name
                    && o.kind == kind
                    && o.namespace.as_deref() == namespace
                    && o.group() == group
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Source;

    fn obj(api: &str, kind: &str, ns: Option<&str>, name: &str, line: u32) -> Object {
        let mut meta = serde_json::json!({"name": name});
        if let Some(ns) = ns {
            meta["namespace"] = ns.into();
        }
        let source = Source {
            file: "t.yaml".into(),
            document: 0,
            item: None,
            line,
            column: 1,
        };
        Object::from_value(
            serde_json::json!({"apiVersion": api, "kind": kind, "metadata": meta}),
            None,
            source,
        )
        .unwrap()
    }

    #[test]
    fn find_is_the_first_exact_match() {
        let inv = Inventory::new(vec![
            obj("v1", "ServiceAccount", Some("a"), "x", 1),
            obj("v1", "ServiceAccount", Some("b"), "x", 2),
            obj("v1", "ServiceAccount", Some("a"), "x", 3),
            obj("v1", "ConfigMap", Some("a"), "x", 4),
            obj("rbac.authorization.k8s.io/v1", "ClusterRole", None, "x", 5),
        ]);
        let line = |o: Option<&Object>| o.map(|o| o.source.line);
        assert_eq!(
            line(inv.find("", "ServiceAccount", Some("a"), "x")),
            Some(1)
        );
        assert_eq!(
            line(inv.find("", "ServiceAccount", Some("b"), "x")),
            Some(2)
        );
        assert_eq!(line(inv.find("", "ConfigMap", Some("a"), "x")), Some(4));
        assert_eq!(line(inv.find("", "ServiceAccount", None, "x")), None);
        assert_eq!(
            line(inv.find("rbac.authorization.k8s.io", "ClusterRole", None, "x")),
            Some(5)
        );
        assert_eq!(line(inv.find("", "ClusterRole", None, "x")), None);
        assert_eq!(
            inv.groups_of("ClusterRole").collect::<Vec<_>>(),
            ["rbac.authorization.k8s.io"]
        );
    }
}
