//! Container image references, parsed as the container runtime reads them
//! (distribution/reference grammar).

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// Registry host (`docker.io` when the reference names none).
    pub registry: &'a str,
    /// Repository path without the registry (`library/nginx`).
    pub repository: String,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl ImageRef<'_> {
    /// `registry/repository`, the name allow-lists match.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// `registry/repository:tag`, with the tag the runtime pulls when none
    /// is given (`latest`).
    pub fn name_tag(&self) -> String {
        format!("{}:{}", self.full_name(), self.tag.unwrap_or("latest"))
    }
}

/// Docker Hub answers under several host names; the runtime treats them
/// as `docker.io`, so matching must too.
fn docker_hub_alias(host: &str) -> &str {
    match host {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io",
        h => h,
    }
}

/// Parses `[host[:port]/]path[:tag][@digest]`. The first component is a
/// registry host only if it has a `.` or `:` or is `localhost`, as the
/// Docker reference grammar says; otherwise the image is on Docker Hub.
pub fn parse(image: &str) -> Option<ImageRef<'_>> {
    let image = image.trim();
    if image.is_empty() || image.contains(char::is_whitespace) {
        return None;
    }
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let (registry, rest) = match name_tag.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (docker_hub_alias(first), rest)
        }
        _ => ("docker.io", name_tag),
    };
    // A tag is after the last ':' of the last path component.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if path.is_empty() {
        return None;
    }
    let repository = if registry == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_owned()
    };
    Some(ImageRef {
        registry,
        repository,
        tag,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let r = parse("nginx").unwrap();
        assert_eq!(
            (r.registry, r.repository.as_str(), r.tag, r.digest),
            ("docker.io", "library/nginx", None, None)
        );
        let r = parse("localhost:5000/team/app:1.2@sha256:abc").unwrap();
        assert_eq!(
            (r.registry, r.repository.as_str(), r.tag, r.digest),
            (
                "localhost:5000",
                "team/app",
                Some("1.2"),
                Some("sha256:abc")
            )
        );
        let r = parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest").unwrap();
        assert_eq!(r.registry, "123456789012.dkr.ecr.us-east-1.amazonaws.com");
        assert_eq!(r.tag, Some("latest"));
        let r = parse("bitnami/redis:7").unwrap();
        assert_eq!(r.full_name(), "docker.io/bitnami/redis");
        assert_eq!(
            parse("index.docker.io/library/nginx").unwrap().name_tag(),
            "docker.io/library/nginx:latest"
        );
        assert!(parse("").is_none());
        assert!(parse("{{ .Values.image }}").is_none());
    }
}
