//! Images: provenance and immutability of what runs.

pub mod image_latest_tag;
pub mod image_not_pinned;
pub mod image_not_scanned;
pub mod image_registry_not_allowed;
pub mod image_vulnerable;

use eksguard_core::{ContainerRef, Object};

/// Every container of a workload with its image string.
pub(crate) fn images(obj: &Object) -> Vec<(ContainerRef<'_>, &str)> {
    let Some(pod) = obj.pod_spec() else {
        return Vec::new();
    };
    pod.containers()
        .filter_map(|c| {
            let image = c.value.get("image")?.as_str()?;
            Some((c, image))
        })
        .collect()
}
