//! The 19 upstream checks (`policy/check_*.go` in k8s.io/pod-security-admission), one
//! function per upstream versioned check, with upstream's reason and detail wording.
//!
//! Every check first decides whether the pod passes without allocating; only a failing pod
//! pays for collecting names and formatting the detail.

use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EphemeralContainer, Lifecycle, LifecycleHandler, PodSpec, Probe,
    SELinuxOptions, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Behaviour that upstream changed inside an existing versioned check (so it is not gated by
/// the policy version, but by the Kubernetes version of the cluster running the code).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Features {
    /// `image` volumes allowed by `restrictedVolumes` (Kubernetes 1.33+, PR #130394).
    pub image_volumes: bool,
    /// `securityContext.appArmorProfile` fields checked by `appArmorProfile` (1.30+).
    pub apparmor_fields: bool,
}

/// A failed check before it is tagged with its ID.
pub(crate) struct Violation {
    pub reason: &'static str,
    pub detail: String,
}

pub(crate) type CheckFn = fn(&Features, &ObjectMeta, &PodSpec) -> Option<Violation>;

fn violation(reason: &'static str, detail: String) -> Option<Violation> {
    Some(Violation { reason, detail })
}

// ---------------------------------------------------------------------------------------
// Container visiting (`policy/visitor.go`): init containers, containers, ephemeral containers.

/// The parts of a container (or ephemeral container) the checks read.
#[derive(Clone, Copy)]
struct Ctr<'a> {
    name: &'a str,
    sc: Option<&'a SecurityContext>,
    ports: &'a [ContainerPort],
    liveness: Option<&'a Probe>,
    readiness: Option<&'a Probe>,
    startup: Option<&'a Probe>,
    lifecycle: Option<&'a Lifecycle>,
}

impl<'a> From<&'a Container> for Ctr<'a> {
    fn from(c: &'a Container) -> Self {
        Ctr {
            name: &c.name,
            sc: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
            liveness: c.liveness_probe.as_ref(),
            readiness: c.readiness_probe.as_ref(),
            startup: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
        }
    }
}

impl<'a> From<&'a EphemeralContainer> for Ctr<'a> {
    fn from(c: &'a EphemeralContainer) -> Self {
        Ctr {
            name: &c.name,
            sc: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or_default(),
            liveness: c.liveness_probe.as_ref(),
            readiness: c.readiness_probe.as_ref(),
            startup: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
        }
    }
}

fn containers(spec: &PodSpec) -> impl Iterator<Item = Ctr<'_>> {
    let init = spec.init_containers.as_deref().unwrap_or_default();
    let eph = spec.ephemeral_containers.as_deref().unwrap_or_default();
    init.iter()
        .map(Ctr::from)
        .chain(spec.containers.iter().map(Ctr::from))
        .chain(eph.iter().map(Ctr::from))
}

/// Names of the containers matching `bad`, in visiting order (duplicates kept, as upstream).
fn bad_names<'a>(spec: &'a PodSpec, bad: impl Fn(&Ctr<'a>) -> bool) -> Vec<&'a str> {
    containers(spec)
        .filter(|c| bad(c))
        .map(|c| c.name)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Formatting helpers (`policy/helpers.go`).

fn plural<'s>(n: usize, singular: &'s str, plural: &'s str) -> &'s str {
    if n == 1 { singular } else { plural }
}

/// `"a", "b"` — upstream's joinQuote (no escaping inside).
fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item.as_ref());
        out.push('"');
    }
    out
}

/// `container "a"` / `containers "a", "b"`.
fn containers_phrase(names: &[&str]) -> String {
    format!(
        "{} {}",
        plural(names.len(), "container", "containers"),
        join_quote(names)
    )
}

/// Sorted and deduplicated, like `sets.String.List()`.
fn set_list<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Go's `%q` (strconv.Quote) for the annotation values upstream prints with it.
pub(crate) fn go_quote(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn annotations(meta: &ObjectMeta) -> impl Iterator<Item = (&String, &String)> {
    meta.annotations.iter().flatten()
}

/// KEP-127: pods in a user namespace (`hostUsers: false`) get relaxed checks from v1.35.
fn in_user_namespace(spec: &PodSpec) -> bool {
    spec.host_users == Some(false)
}

fn is_windows(spec: &PodSpec) -> bool {
    spec.os.as_ref().is_some_and(|os| os.name == "windows")
}

// ---------------------------------------------------------------------------------------
// Baseline checks.

/// `privileged`, 1.0.
pub(crate) fn privileged_1_0(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let bad = |c: &Ctr| c.sc.and_then(|s| s.privileged) == Some(true);
    if !containers(spec).any(|c| bad(&c)) {
        return None;
    }
    let names = bad_names(spec, bad);
    violation(
        "privileged",
        format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        ),
    )
}

/// `hostNamespaces`, 1.0.
pub(crate) fn host_namespaces_1_0(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    // In upstream's order (appended one after the other, not a sorted set): hostNetwork,
    // hostPID, hostIPC.
    let set: Vec<&str> = [
        (spec.host_network, "hostNetwork=true"),
        (spec.host_pid, "hostPID=true"),
        (spec.host_ipc, "hostIPC=true"),
    ]
    .into_iter()
    .filter(|(on, _)| *on == Some(true))
    .map(|(_, s)| s)
    .collect();
    if set.is_empty() {
        return None;
    }
    violation("host namespaces", set.join(", "))
}

/// `hostPathVolumes`, 1.0.
pub(crate) fn host_path_volumes_1_0(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    if !volumes.iter().any(|v| v.host_path.is_some()) {
        return None;
    }
    let names: Vec<&str> = volumes
        .iter()
        .filter(|v| v.host_path.is_some())
        .map(|v| v.name.as_str())
        .collect();
    violation(
        "hostPath volumes",
        format!(
            "{} {}",
            plural(names.len(), "volume", "volumes"),
            join_quote(&names)
        ),
    )
}

/// `hostPorts`, 1.0.
pub(crate) fn host_ports_1_0(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let bad = |c: &Ctr| c.ports.iter().any(|p| p.host_port.unwrap_or(0) != 0);
    if !containers(spec).any(|c| bad(&c)) {
        return None;
    }
    let names = bad_names(spec, bad);
    // Upstream keeps the ports as strings in a set, so they sort as text ("10" < "9").
    let ports = set_list(
        containers(spec)
            .flat_map(|c| c.ports.iter())
            .filter_map(|p| p.host_port.filter(|&h| h != 0))
            .map(|h| h.to_string())
            .collect(),
    );
    violation(
        "hostPort",
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            plural(names.len(), "uses", "use"),
            plural(ports.len(), "hostPort", "hostPorts"),
            ports.join(", ")
        ),
    )
}

fn probe_hosts(p: Option<&Probe>) -> impl Iterator<Item = &str> {
    let http = p
        .and_then(|p| p.http_get.as_ref())
        .and_then(|h| h.host.as_deref());
    let tcp = p
        .and_then(|p| p.tcp_socket.as_ref())
        .and_then(|t| t.host.as_deref());
    http.into_iter().chain(tcp).filter(|h| !h.is_empty())
}

fn handler_hosts(h: Option<&LifecycleHandler>) -> impl Iterator<Item = &str> {
    let http = h
        .and_then(|h| h.http_get.as_ref())
        .and_then(|h| h.host.as_deref());
    let tcp = h
        .and_then(|h| h.tcp_socket.as_ref())
        .and_then(|t| t.host.as_deref());
    http.into_iter().chain(tcp).filter(|h| !h.is_empty())
}

fn container_hosts<'a>(c: &Ctr<'a>) -> impl Iterator<Item = &'a str> {
    let post = c.lifecycle.and_then(|l| l.post_start.as_ref());
    let pre = c.lifecycle.and_then(|l| l.pre_stop.as_ref());
    probe_hosts(c.liveness)
        .chain(probe_hosts(c.readiness))
        .chain(probe_hosts(c.startup))
        .chain(handler_hosts(post))
        .chain(handler_hosts(pre))
}

/// `hostProbesAndHostLifecycle`, 1.34.
pub(crate) fn host_probes_and_host_lifecycle_1_34(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if !containers(spec).any(|c| container_hosts(&c).next().is_some()) {
        return None;
    }
    // Both are sets upstream: container names are sorted and deduplicated too.
    let names = set_list(bad_names(spec, |c| container_hosts(c).next().is_some()));
    let hosts = set_list(
        containers(spec)
            .flat_map(|c| container_hosts(&c).collect::<Vec<_>>())
            .collect(),
    );
    violation(
        "probe or lifecycle host",
        format!(
            "{} {} {} {}",
            containers_phrase(&names),
            plural(names.len(), "uses", "use"),
            plural(
                hosts.len(),
                "probe or lifecycle host",
                "probe or lifecycle hosts"
            ),
            join_quote(&hosts)
        ),
    )
}

const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_apparmor_annotation(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
}

fn apparmor_type<'a>(c: &Ctr<'a>) -> Option<&'a str> {
    c.sc.and_then(|s| s.app_armor_profile.as_ref())
        .map(|p| p.type_.as_str())
}

fn allowed_apparmor_type(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

/// `appArmorProfile`, 1.0: annotations, and (on clusters with the fields) the
/// `securityContext.appArmorProfile` fields — upstream added the fields to the 1.0 check.
pub(crate) fn apparmor_profile_1_0<'a>(
    f: &Features,
    meta: &ObjectMeta,
    spec: &'a PodSpec,
) -> Option<Violation> {
    let pod_type = spec
        .security_context
        .as_ref()
        .and_then(|s| s.app_armor_profile.as_ref())
        .map(|p| p.type_.as_str())
        .filter(|t| f.apparmor_fields && !allowed_apparmor_type(t));
    let ctr_type = |c: &Ctr<'a>| -> Option<&'a str> {
        apparmor_type(c).filter(|t| f.apparmor_fields && !allowed_apparmor_type(t))
    };
    let bad_annotation = |(k, v): &(&String, &String)| {
        k.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed_apparmor_annotation(v)
    };
    if pod_type.is_none()
        && !containers(spec).any(|c| ctr_type(&c).is_some())
        && !annotations(meta).any(|kv| bad_annotation(&kv))
    {
        return None;
    }
    let mut setters: Vec<String> = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut types: Vec<&str> = pod_type.into_iter().collect();
    if pod_type.is_some() {
        setters.push("pod".into());
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if let Some(t) = ctr_type(&c) {
            names.push(c.name);
            types.push(t);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    values.extend(set_list(types).into_iter().map(str::to_owned));
    let mut bad_annotations: Vec<String> = annotations(meta)
        .filter(|kv| bad_annotation(kv))
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    if !bad_annotations.is_empty() {
        bad_annotations.sort();
        setters.push(plural(bad_annotations.len(), "annotation", "annotations").into());
        values.extend(bad_annotations);
    }
    violation(
        plural(
            values.len(),
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
    )
}

const CAPABILITIES_ALLOWED_1_0: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn added_caps<'a>(c: &Ctr<'a>) -> &'a [String] {
    c.sc.and_then(|s| s.capabilities.as_ref())
        .and_then(|c| c.add.as_deref())
        .unwrap_or_default()
}

/// `capabilities_baseline`, 1.0.
pub(crate) fn capabilities_baseline_1_0(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    let extra = |cap: &&String| !CAPABILITIES_ALLOWED_1_0.contains(&cap.as_str());
    let bad = |c: &Ctr| added_caps(c).iter().any(|cap| extra(&cap));
    if !containers(spec).any(|c| bad(&c)) {
        return None;
    }
    let names = bad_names(spec, bad);
    let caps = set_list(
        containers(spec)
            .flat_map(|c| added_caps(&c).iter())
            .filter(extra)
            .map(String::as_str)
            .collect(),
    );
    violation(
        "non-default capabilities",
        format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(&caps)
        ),
    )
}

const SELINUX_TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const SELINUX_TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn selinux_ok(o: &SELinuxOptions, types: &[&str]) -> bool {
    types.contains(&o.type_.as_deref().unwrap_or(""))
        && o.user.as_deref().unwrap_or("").is_empty()
        && o.role.as_deref().unwrap_or("").is_empty()
}

fn ctr_selinux<'a>(c: &Ctr<'a>) -> Option<&'a SELinuxOptions> {
    c.sc.and_then(|s| s.se_linux_options.as_ref())
}

fn selinux_options<'a>(spec: &'a PodSpec, types: &[&str]) -> Option<Violation> {
    let pod = spec
        .security_context
        .as_ref()
        .and_then(|s| s.se_linux_options.as_ref());
    let ctr = ctr_selinux;
    let pod_bad = pod.is_some_and(|o| !selinux_ok(o, types));
    if !pod_bad && !containers(spec).any(|c| ctr(&c).is_some_and(|o| !selinux_ok(o, types))) {
        return None;
    }
    let mut setters: Vec<String> = Vec::new();
    let mut bad_types: Vec<&str> = Vec::new();
    let (mut set_user, mut set_role) = (false, false);
    let mut note = |o: &'a SELinuxOptions| {
        let t = o.type_.as_deref().unwrap_or("");
        if !types.contains(&t) {
            bad_types.push(t);
        }
        set_user |= !o.user.as_deref().unwrap_or("").is_empty();
        set_role |= !o.role.as_deref().unwrap_or("").is_empty();
    };
    if let Some(o) = pod.filter(|_| pod_bad) {
        note(o);
        setters.push("pod".into());
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if let Some(o) = ctr(&c).filter(|o| !selinux_ok(o, types)) {
            note(o);
            names.push(c.name);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let bad_types = set_list(bad_types);
    let mut data: Vec<String> = Vec::new();
    if !bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            plural(bad_types.len(), "type", "types"),
            join_quote(&bad_types)
        ));
    }
    if set_user {
        data.push("user may not be set".into());
    }
    if set_role {
        data.push("role may not be set".into());
    }
    violation(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
    )
}

/// `seLinuxOptions`, 1.0.
pub(crate) fn selinux_options_1_0(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    selinux_options(spec, SELINUX_TYPES_1_0)
}

/// `seLinuxOptions`, 1.31: adds `container_engine_t`.
pub(crate) fn selinux_options_1_31(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    selinux_options(spec, SELINUX_TYPES_1_31)
}

fn proc_mount_bad<'a>(c: &Ctr<'a>) -> Option<&'a str> {
    c.sc.and_then(|s| s.proc_mount.as_deref())
        .filter(|m| *m != "Default")
}

/// `procMount`, 1.0 (and `procMount_restricted`, 1.35): only `Default` or unset.
pub(crate) fn proc_mount_1_0(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    if !containers(spec).any(|c| proc_mount_bad(&c).is_some()) {
        return None;
    }
    let names = bad_names(spec, |c| proc_mount_bad(c).is_some());
    let types = set_list(
        containers(spec)
            .filter_map(|c| proc_mount_bad(&c))
            .collect(),
    );
    violation(
        "procMount",
        format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(&types)
        ),
    )
}

/// `procMount`, 1.35: any value is allowed for user-namespace pods.
pub(crate) fn proc_mount_1_35_baseline(
    f: &Features,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if in_user_namespace(spec) {
        return None;
    }
    proc_mount_1_0(f, meta, spec)
}

const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn seccomp_annotation_ok(v: &str) -> bool {
    v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/")
}

fn seccomp_type_ok(t: &str) -> bool {
    t == "Localhost" || t == "RuntimeDefault"
}

/// `seccompProfile_baseline`, 1.0: the alpha annotations (pod and one per container).
pub(crate) fn seccomp_profile_baseline_1_0(
    _: &Features,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    // Only annotations naming the pod or one of its containers count.
    let counts = |k: &str| {
        k == SECCOMP_POD_ANNOTATION
            || k.strip_prefix(SECCOMP_CONTAINER_PREFIX)
                .is_some_and(|name| containers(spec).any(|c| c.name == name))
    };
    let bad_entry = |(k, v): &(&String, &String)| counts(k) && !seccomp_annotation_ok(v);
    if !annotations(meta).any(|kv| bad_entry(&kv)) {
        return None;
    }
    let bad: Vec<String> = annotations(meta)
        .filter(|kv| bad_entry(kv))
        .map(|(k, v)| format!("{k}={}", go_quote(v)))
        .collect();
    let bad = set_list(bad);
    violation(
        "seccompProfile",
        format!(
            "forbidden {} {}",
            plural(bad.len(), "annotation", "annotations"),
            bad.join(", ")
        ),
    )
}

fn pod_seccomp(spec: &PodSpec) -> Option<&str> {
    spec.security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
        .map(|p| p.type_.as_str())
}

fn ctr_seccomp<'a>(c: &Ctr<'a>) -> Option<&'a str> {
    c.sc.and_then(|s| s.seccomp_profile.as_ref())
        .map(|p| p.type_.as_str())
}

/// Shared by both seccomp field checks: pod and containers that set a bad type.
fn seccomp_explicitly_bad(spec: &PodSpec) -> Option<Violation> {
    let pod_bad = pod_seccomp(spec).filter(|t| !seccomp_type_ok(t));
    let ctr_bad = |c: &Ctr<'_>| ctr_seccomp(c).is_some_and(|t| !seccomp_type_ok(t));
    if pod_bad.is_none() && !containers(spec).any(|c| ctr_bad(&c)) {
        return None;
    }
    let mut setters: Vec<String> = Vec::new();
    let mut values: Vec<&str> = Vec::new();
    if let Some(t) = pod_bad {
        setters.push("pod".into());
        values.push(t);
    }
    let names = bad_names(spec, ctr_bad);
    values.extend(
        containers(spec)
            .filter_map(|c| ctr_seccomp(&c))
            .filter(|t| !seccomp_type_ok(t)),
    );
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    violation(
        "seccompProfile",
        format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&set_list(values))
        ),
    )
}

/// `seccompProfile_baseline`, 1.19: the `seccompProfile` fields.
pub(crate) fn seccomp_profile_baseline_1_19(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    seccomp_explicitly_bad(spec)
}

fn allowed_sysctl(name: &str, minor: u64) -> bool {
    const V1_0: [&str; 5] = [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    ];
    const V1_29: [&str; 4] = [
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    ];
    const V1_32: [&str; 2] = ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
    const V1_37: [&str; 2] = [
        "net.ipv4.tcp_slow_start_after_idle",
        "net.ipv4.tcp_notsent_lowat",
    ];
    V1_0.contains(&name)
        || (minor >= 27 && name == "net.ipv4.ip_local_reserved_ports")
        || (minor >= 29 && V1_29.contains(&name))
        || (minor >= 32 && V1_32.contains(&name))
        || (minor >= 37 && V1_37.contains(&name))
}

fn sysctls(spec: &PodSpec, minor: u64) -> Option<Violation> {
    let list = spec
        .security_context
        .as_ref()
        .and_then(|s| s.sysctls.as_deref())
        .unwrap_or_default();
    if list.iter().all(|s| allowed_sysctl(&s.name, minor)) {
        return None;
    }
    let bad: Vec<&str> = list
        .iter()
        .filter(|s| !allowed_sysctl(&s.name, minor))
        .map(|s| s.name.as_str())
        .collect();
    violation("forbidden sysctls", bad.join(", "))
}

/// `sysctls`, 1.0.
pub(crate) fn sysctls_1_0(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    sysctls(spec, 0)
}
/// `sysctls`, 1.27: adds `net.ipv4.ip_local_reserved_ports`.
pub(crate) fn sysctls_1_27(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    sysctls(spec, 27)
}
/// `sysctls`, 1.29: adds the TCP keepalive and fin-timeout sysctls.
pub(crate) fn sysctls_1_29(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    sysctls(spec, 29)
}
/// `sysctls`, 1.32: adds `net.ipv4.tcp_rmem` and `net.ipv4.tcp_wmem`.
pub(crate) fn sysctls_1_32(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    sysctls(spec, 32)
}
/// `sysctls`, 1.37: adds `net.ipv4.tcp_slow_start_after_idle` and `net.ipv4.tcp_notsent_lowat`.
pub(crate) fn sysctls_1_37(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    sysctls(spec, 37)
}

/// `windowsHostProcess`, 1.0.
pub(crate) fn windows_host_process_1_0(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    let pod_bad = spec
        .security_context
        .as_ref()
        .and_then(|s| s.windows_options.as_ref())
        .and_then(|w| w.host_process)
        == Some(true);
    let bad = |c: &Ctr| {
        c.sc.and_then(|s| s.windows_options.as_ref())
            .and_then(|w| w.host_process)
            == Some(true)
    };
    if !pod_bad && !containers(spec).any(|c| bad(&c)) {
        return None;
    }
    let mut setters: Vec<String> = Vec::new();
    if pod_bad {
        setters.push("pod".into());
    }
    let names = bad_names(spec, bad);
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    violation(
        "hostProcess",
        format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
    )
}

// ---------------------------------------------------------------------------------------
// Restricted checks.

/// `allowPrivilegeEscalation`, 1.8: every container must set it to false.
pub(crate) fn allow_privilege_escalation_1_8(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    let bad = |c: &Ctr| c.sc.and_then(|s| s.allow_privilege_escalation) != Some(false);
    if !containers(spec).any(|c| bad(&c)) {
        return None;
    }
    let names = bad_names(spec, bad);
    violation(
        "allowPrivilegeEscalation != false",
        format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        ),
    )
}

/// `allowPrivilegeEscalation`, 1.25: Windows pods are exempt.
pub(crate) fn allow_privilege_escalation_1_25(
    f: &Features,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    allow_privilege_escalation_1_8(f, meta, spec)
}

/// `capabilities_restricted`, 1.22: drop ALL, add at most NET_BIND_SERVICE.
pub(crate) fn capabilities_restricted_1_22(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    let caps = |c: &Ctr<'_>| {
        c.sc.and_then(|s| s.capabilities.as_ref()).is_some_and(|k| {
            k.drop
                .as_deref()
                .is_some_and(|d| d.iter().any(|x| x == "ALL"))
        })
    };
    let missing_drop = |c: &Ctr| !caps(c);
    let adds_forbidden = |c: &Ctr| added_caps(c).iter().any(|x| x != "NET_BIND_SERVICE");
    if !containers(spec).any(|c| missing_drop(&c) || adds_forbidden(&c)) {
        return None;
    }
    let mut details: Vec<String> = Vec::new();
    let no_drop = bad_names(spec, missing_drop);
    if !no_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&no_drop)
        ));
    }
    let adding = bad_names(spec, adds_forbidden);
    if !adding.is_empty() {
        let forbidden = set_list(
            containers(spec)
                .flat_map(|c| added_caps(&c).iter())
                .filter(|x| *x != "NET_BIND_SERVICE")
                .map(String::as_str)
                .collect(),
        );
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding),
            join_quote(&forbidden)
        ));
    }
    violation("unrestricted capabilities", details.join("; "))
}

/// `capabilities_restricted`, 1.25: Windows pods are exempt.
pub(crate) fn capabilities_restricted_1_25(
    f: &Features,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    capabilities_restricted_1_22(f, meta, spec)
}

/// `restrictedVolumes`, 1.0: only the inline volume types that cannot reach the host.
pub(crate) fn restricted_volumes_1_0(
    f: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    let bad_type = |v: &k8s_openapi::api::core::v1::Volume| -> Option<&'static str> {
        let allowed = v.config_map.is_some()
            || v.csi.is_some()
            || v.downward_api.is_some()
            || v.empty_dir.is_some()
            || v.ephemeral.is_some()
            || (f.image_volumes && v.image.is_some())
            || v.persistent_volume_claim.is_some()
            || v.projected.is_some()
            || v.secret.is_some();
        if allowed {
            return None;
        }
        // Upstream's switch order decides the name when several sources are set.
        Some(if v.host_path.is_some() {
            "hostPath"
        } else if v.gce_persistent_disk.is_some() {
            "gcePersistentDisk"
        } else if v.aws_elastic_block_store.is_some() {
            "awsElasticBlockStore"
        } else if v.git_repo.is_some() {
            "gitRepo"
        } else if v.nfs.is_some() {
            "nfs"
        } else if v.iscsi.is_some() {
            "iscsi"
        } else if v.glusterfs.is_some() {
            "glusterfs"
        } else if v.rbd.is_some() {
            "rbd"
        } else if v.flex_volume.is_some() {
            "flexVolume"
        } else if v.cinder.is_some() {
            "cinder"
        } else if v.cephfs.is_some() {
            "cephfs"
        } else if v.flocker.is_some() {
            "flocker"
        } else if v.fc.is_some() {
            "fc"
        } else if v.azure_file.is_some() {
            "azureFile"
        } else if v.vsphere_volume.is_some() {
            "vsphereVolume"
        } else if v.quobyte.is_some() {
            "quobyte"
        } else if v.azure_disk.is_some() {
            "azureDisk"
        } else if v.photon_persistent_disk.is_some() {
            "photonPersistentDisk"
        } else if v.portworx_volume.is_some() {
            "portworxVolume"
        } else if v.scale_io.is_some() {
            "scaleIO"
        } else if v.storageos.is_some() {
            "storageos"
        } else {
            "unknown"
        })
    };
    if volumes.iter().all(|v| bad_type(v).is_none()) {
        return None;
    }
    let names: Vec<&str> = volumes
        .iter()
        .filter(|v| bad_type(v).is_some())
        .map(|v| v.name.as_str())
        .collect();
    let types = set_list(volumes.iter().filter_map(bad_type).collect());
    violation(
        "restricted volume types",
        format!(
            "{} {} {} {} {}",
            plural(names.len(), "volume", "volumes"),
            join_quote(&names),
            plural(names.len(), "uses", "use"),
            plural(
                types.len(),
                "restricted volume type",
                "restricted volume types"
            ),
            join_quote(&types)
        ),
    )
}

/// `runAsNonRoot`, 1.0.
pub(crate) fn run_as_non_root_1_0(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    let pod = spec
        .security_context
        .as_ref()
        .and_then(|s| s.run_as_non_root);
    let pod_true = pod == Some(true);
    let ctr = |c: &Ctr<'_>| c.sc.and_then(|s| s.run_as_non_root);
    let explicitly_bad = |c: &Ctr| ctr(c) == Some(false);
    let implicitly_bad = |c: &Ctr| ctr(c).is_none() && !pod_true;
    if pod != Some(false) && !containers(spec).any(|c| explicitly_bad(&c) || implicitly_bad(&c)) {
        return None;
    }
    let mut setters: Vec<String> = Vec::new();
    if pod == Some(false) {
        setters.push("pod".into());
    }
    let explicit = bad_names(spec, explicitly_bad);
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if !setters.is_empty() {
        return violation(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
        );
    }
    let implicit = bad_names(spec, implicitly_bad);
    violation(
        "runAsNonRoot != true",
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ),
    )
}

/// `runAsNonRoot`, 1.35: skipped for user-namespace pods.
pub(crate) fn run_as_non_root_1_35(
    f: &Features,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if in_user_namespace(spec) {
        return None;
    }
    run_as_non_root_1_0(f, meta, spec)
}

/// `runAsUser`, 1.23: nothing may set `runAsUser=0`.
pub(crate) fn run_as_user_1_23(_: &Features, _: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let pod_bad = spec.security_context.as_ref().and_then(|s| s.run_as_user) == Some(0);
    let bad = |c: &Ctr| c.sc.and_then(|s| s.run_as_user) == Some(0);
    if !pod_bad && !containers(spec).any(|c| bad(&c)) {
        return None;
    }
    let mut setters: Vec<String> = Vec::new();
    if pod_bad {
        setters.push("pod".into());
    }
    let names = bad_names(spec, bad);
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    violation(
        "runAsUser=0",
        format!("{} must not set runAsUser=0", setters.join(" and ")),
    )
}

/// `runAsUser`, 1.35: skipped for user-namespace pods.
pub(crate) fn run_as_user_1_35(
    f: &Features,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if in_user_namespace(spec) {
        return None;
    }
    run_as_user_1_23(f, meta, spec)
}

/// `seccompProfile_restricted`, 1.19: a valid type must be set, on the pod or every container.
pub(crate) fn seccomp_profile_restricted_1_19(
    _: &Features,
    _: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if let Some(v) = seccomp_explicitly_bad(spec) {
        return Some(v);
    }
    let pod_set = pod_seccomp(spec).is_some();
    if pod_set || containers(spec).all(|c| ctr_seccomp(&c).is_some()) {
        return None;
    }
    let names = bad_names(spec, |c| ctr_seccomp(c).is_none());
    violation(
        "seccompProfile",
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&names)
        ),
    )
}

/// `seccompProfile_restricted`, 1.25: Windows pods are exempt.
pub(crate) fn seccomp_profile_restricted_1_25(
    f: &Features,
    meta: &ObjectMeta,
    spec: &PodSpec,
) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    seccomp_profile_restricted_1_19(f, meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_escapes_like_strconv_quote() {
        assert_eq!(go_quote("unconfined"), "\"unconfined\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("x\ny\u{1}"), "\"x\\ny\\x01\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }

    #[test]
    fn join_quote_and_plural() {
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(join_quote(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(plural(1, "x", "xs"), "x");
        assert_eq!(plural(0, "x", "xs"), "xs");
    }
}
