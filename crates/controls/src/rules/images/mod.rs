//! Images: provenance and immutability of what runs.

pub mod image_latest_tag;
pub mod image_not_pinned;
pub mod image_registry_not_allowed;

use eksguard_core::{ContainerRef, Object};

/// Every container of a workload with its image string.
pub(crate) fn images(obj: &Object) -> Vec<(ContainerRef<'_>, &str)> {
    let Some(pod) = obj.pod_spec() else {
        return Vec::new();
    };
    // `containers()` borrows the PodSpecRef; collect owned refs into the object.
    let spec_path = pod.path.clone();
    let spec = pod.spec;
    eksguard_core::CONTAINER_FIELDS
        .iter()
        .flat_map(|field| {
            let spec_path = spec_path.clone();
            spec.get(*field)
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(move |(i, c)| {
                    let image = c.get("image")?.as_str()?;
                    Some((
                        ContainerRef {
                            field,
                            index: i,
                            name: c.get("name").and_then(serde_json::Value::as_str).unwrap_or(""),
                            value: c,
                            path: spec_path.clone().key(*field).index(i),
                        },
                        image,
                    ))
                })
        })
        .collect()
}
