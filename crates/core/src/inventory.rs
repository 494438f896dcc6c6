//! The set of objects a scan looks at, with indexes built once.

use crate::object::Object;
use std::collections::HashMap;

/// All objects of one scan. Controls that need cluster-wide context (which
/// ServiceAccounts are bound to roles, which namespaces have policies) query
/// these indexes rather than rescanning everything.
#[derive(Debug, Default)]
pub struct Inventory {
    objects: Vec<Object>,
    by_kind: HashMap<(String, String), Vec<usize>>,
    namespaces: HashMap<String, usize>,
    /// The AWS side, when a live account or a snapshot was scanned.
    pub aws: Option<crate::aws::AwsFacts>,
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

    pub fn find(
        &self,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<&Object> {
        self.of_kind(group, kind)
            .find(|o| o.name == name && o.namespace.as_deref() == namespace)
    }
}
