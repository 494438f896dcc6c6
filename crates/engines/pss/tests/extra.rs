//! Cases the upstream fixtures do not cover. Expected texts are written from upstream's
//! format strings in `policy/check_*.go` (and, for the full message, from the message kubectl
//! prints for a bare pod in a restricted namespace), not copied from this crate's output.

use eksguard_pss::{
    Evaluation, Evaluator, Level, LevelVersion, TargetKind, Version, evaluate, pod_target,
};
use serde_json::{Value, json};

fn lv(level: Level, version: &str) -> LevelVersion {
    LevelVersion::new(level, version.parse().expect("version"))
}

fn eval_with(ev: &Evaluator, lv: LevelVersion, pod: Value) -> Evaluation {
    let t = pod_target("v1", "Pod", &pod)
        .expect("valid pod")
        .expect("a pod");
    ev.evaluate(lv, &t.metadata, &t.spec)
}

fn eval(lv: LevelVersion, pod: Value) -> Evaluation {
    eval_with(&Evaluator::default(), lv, pod)
}

fn checks(e: &Evaluation) -> Vec<&'static str> {
    e.forbidden.iter().map(|f| f.check).collect()
}

/// A container that passes restricted at every version.
fn good(name: &str) -> Value {
    json!({
        "name": name,
        "image": "registry.k8s.io/pause",
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {"drop": ["ALL"]}
        }
    })
}

/// A restricted-clean pod spec, to which a test adds one thing.
fn restricted_pod() -> Value {
    json!({
        "metadata": {"name": "p"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [good("init")],
            "containers": [good("app")]
        }
    })
}

#[test]
fn full_message_matches_kubectl_for_a_bare_pod() {
    let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}});
    let lv = lv(Level::Restricted, "v1.30");
    let e = eval(lv, pod);
    assert_eq!(
        e.message(&lv),
        "violates PodSecurity \"restricted:v1.30\": \
         allowPrivilegeEscalation != false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), \
         unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), \
         runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), \
         seccompProfile (pod or container \"app\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")"
    );
    assert_eq!(
        e.forbidden_reason(),
        "allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"
    );
    assert_eq!(
        e.would_violate_message(&LevelVersion::new(Level::Restricted, Version::Latest))
            .split(": ")
            .next(),
        Some("would violate PodSecurity \"restricted:latest\"")
    );
}

#[test]
fn message_lists_baseline_before_restricted_and_sorts_sets() {
    let mut pod = restricted_pod();
    pod["spec"]["hostPID"] = json!(true);
    pod["spec"]["hostNetwork"] = json!(true);
    pod["spec"]["containers"][0]["securityContext"]["runAsUser"] = json!(0);
    pod["spec"]["containers"][0]["ports"] =
        json!([{"containerPort": 9, "hostPort": 9}, {"containerPort": 10, "hostPort": 10}]);
    pod["spec"]["initContainers"][0]["securityContext"]["capabilities"]["add"] =
        json!(["SYS_ADMIN", "NET_RAW", "SYS_ADMIN"]);
    let lv = lv(Level::Restricted, "latest");
    let e = eval(lv, pod);
    assert_eq!(
        e.forbidden_detail(),
        // hostNamespaces: upstream's fixed order. hostPort: ports sorted as strings ("10" < "9").
        // capabilities: sorted and deduplicated.
        "host namespaces (hostNetwork=true, hostPID=true), \
         hostPort (container \"app\" uses hostPorts 10, 9), \
         unrestricted capabilities (container \"init\" must not include \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.add), \
         runAsUser=0 (container \"app\" must not set runAsUser=0)"
    );
}

/// `check_hostNamespaces.go` appends `hostNetwork=true`, `hostPID=true`, `hostIPC=true` in
/// that order to a plain slice (not a sorted set) and joins them with ", ".
#[test]
fn host_namespaces_are_listed_in_upstream_order() {
    let mut pod = restricted_pod();
    pod["metadata"]["name"] = json!("agent");
    pod["spec"]["hostIPC"] = json!(true);
    pod["spec"]["hostPID"] = json!(true);
    pod["spec"]["hostNetwork"] = json!(true);
    let lv = lv(Level::Baseline, "v1.30");
    let e = eval(lv, pod.clone());
    assert_eq!(
        e.message(&lv),
        "violates PodSecurity \"baseline:v1.30\": host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"
    );
    // Two of three keep the same relative order.
    pod["spec"]["hostPID"] = json!(false);
    let e = eval(lv, pod.clone());
    assert_eq!(
        e.forbidden_detail(),
        "host namespaces (hostNetwork=true, hostIPC=true)"
    );
    pod["spec"]["hostNetwork"] = json!(false);
    pod["spec"]["hostPID"] = json!(true);
    let e = eval(lv, pod);
    assert_eq!(
        e.forbidden_detail(),
        "host namespaces (hostPID=true, hostIPC=true)"
    );
}

#[test]
fn ephemeral_containers_count() {
    let mut pod = restricted_pod();
    pod["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox"}]);
    let e = eval(lv(Level::Restricted, "latest"), pod.clone());
    assert_eq!(
        checks(&e),
        ["allowPrivilegeEscalation", "capabilities_restricted"]
    );
    assert_eq!(
        e.forbidden[0].detail,
        "container \"debug\" must set securityContext.allowPrivilegeEscalation=false"
    );
    // Visiting order is init containers, containers, then ephemeral containers.
    pod["spec"]["ephemeralContainers"][0]["securityContext"] = json!({"privileged": true});
    pod["spec"]["initContainers"][0]["securityContext"]["privileged"] = json!(true);
    let e = eval(lv(Level::Baseline, "v1.0"), pod);
    assert_eq!(
        e.forbidden_detail(),
        "privileged (containers \"init\", \"debug\" must not set securityContext.privileged=true)"
    );
}

#[test]
fn image_volumes_follow_the_cluster_version() {
    let mut pod = restricted_pod();
    pod["spec"]["volumes"] =
        json!([{"name": "img", "image": {"reference": "registry.k8s.io/x:1"}}]);
    // On 1.33+ clusters upstream allows image volumes in the 1.0 check itself, so even a
    // namespace pinned to an old version accepts them.
    for cluster in [Some(33), Some(37), None] {
        let ev = Evaluator::new(cluster);
        for v in ["v1.0", "v1.25", "v1.33", "latest"] {
            let e = eval_with(&ev, lv(Level::Restricted, v), pod.clone());
            assert!(
                e.allowed,
                "cluster {cluster:?} {v}: {}",
                e.forbidden_detail()
            );
        }
    }
    // A 1.32 cluster's PodSecurity does not know the type.
    let e = eval_with(
        &Evaluator::new(Some(32)),
        lv(Level::Restricted, "latest"),
        pod.clone(),
    );
    assert_eq!(
        e.forbidden_detail(),
        "restricted volume types (volume \"img\" uses restricted volume type \"unknown\")"
    );
    // Baseline never restricts volume types.
    let e = eval_with(
        &Evaluator::new(Some(32)),
        lv(Level::Baseline, "latest"),
        pod,
    );
    assert!(e.allowed);
}

#[test]
fn apparmor_fields_pod_and_container() {
    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["appArmorProfile"] = json!({"type": "Unconfined"});
    let e = eval(lv(Level::Baseline, "v1.0"), pod.clone());
    assert_eq!(
        e.forbidden_detail(),
        "forbidden AppArmor profile (pod must not set AppArmor profile type to \"Unconfined\")"
    );
    pod["spec"]["containers"][0]["securityContext"]["appArmorProfile"] =
        json!({"type": "Unconfined"});
    pod["metadata"]["annotations"] = json!({
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
        "container.apparmor.security.beta.kubernetes.io/init": "runtime/default"
    });
    let e = eval(lv(Level::Restricted, "latest"), pod.clone());
    assert_eq!(
        e.forbidden_detail(),
        "forbidden AppArmor profiles (pod and container \"app\" and annotation must not set AppArmor profile type to \
         \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/app=\"unconfined\"\")"
    );
    // Allowed field values.
    let mut ok = restricted_pod();
    ok["spec"]["securityContext"]["appArmorProfile"] = json!({"type": "RuntimeDefault"});
    ok["spec"]["containers"][0]["securityContext"]["appArmorProfile"] =
        json!({"type": "Localhost", "localhostProfile": "k8s-nginx"});
    assert!(eval(lv(Level::Restricted, "latest"), ok).allowed);
    // A 1.29 cluster has no such fields: only the annotation counts.
    let e = eval_with(
        &Evaluator::new(Some(29)),
        lv(Level::Baseline, "latest"),
        pod,
    );
    assert_eq!(
        e.forbidden_detail(),
        "forbidden AppArmor profile (annotation must not set AppArmor profile type to \
         \"container.apparmor.security.beta.kubernetes.io/app=\"unconfined\"\")"
    );
}

#[test]
fn host_users_false_relaxes_run_as_checks_from_1_35() {
    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["runAsNonRoot"] = json!(false);
    pod["spec"]["containers"][0]["securityContext"]["runAsUser"] = json!(0);
    pod["spec"]["hostUsers"] = json!(false);
    assert!(eval(lv(Level::Restricted, "v1.35"), pod.clone()).allowed);
    assert!(eval(lv(Level::Restricted, "latest"), pod.clone()).allowed);
    let e = eval(lv(Level::Restricted, "v1.34"), pod.clone());
    assert_eq!(
        e.forbidden_detail(),
        "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), \
         runAsUser=0 (container \"app\" must not set runAsUser=0)"
    );
    // hostUsers: true is no relaxation.
    pod["spec"]["hostUsers"] = json!(true);
    assert_eq!(
        checks(&eval(lv(Level::Restricted, "v1.35"), pod)),
        ["runAsNonRoot", "runAsUser"]
    );
}

#[test]
fn host_users_false_relaxes_proc_mount_at_baseline_only() {
    let mut pod = restricted_pod();
    pod["spec"]["hostUsers"] = json!(false);
    pod["spec"]["containers"][0]["securityContext"]["procMount"] = json!("Unmasked");
    assert!(eval(lv(Level::Baseline, "v1.35"), pod.clone()).allowed);
    let e = eval(lv(Level::Baseline, "v1.34"), pod.clone());
    assert_eq!(
        e.forbidden_detail(),
        "procMount (container \"app\" must not set securityContext.procMount to \"Unmasked\")"
    );
    let e = eval(lv(Level::Restricted, "v1.35"), pod.clone());
    assert_eq!(checks(&e), ["procMount_restricted"]);
    let e = eval(lv(Level::Restricted, "v1.34"), pod);
    assert_eq!(checks(&e), ["procMount"]);
}

#[test]
fn values_allowed_only_in_newer_versions_are_denied_at_older_ones() {
    let sysctl = |name: &str| {
        let mut pod = restricted_pod();
        pod["spec"]["securityContext"]["sysctls"] = json!([{"name": name, "value": "1"}]);
        pod
    };
    for (name, since) in [
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ] {
        let at = |minor: u64| {
            eval(
                LevelVersion::new(Level::Baseline, Version::V1(minor)),
                sysctl(name),
            )
        };
        assert!(at(since).allowed, "{name} at v1.{since}");
        let e = at(since - 1);
        assert_eq!(e.forbidden_detail(), format!("forbidden sysctls ({name})"));
    }

    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["seLinuxOptions"] = json!({"type": "container_engine_t"});
    assert!(eval(lv(Level::Baseline, "v1.31"), pod.clone()).allowed);
    assert_eq!(
        eval(lv(Level::Baseline, "v1.30"), pod).forbidden_detail(),
        "seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type \"container_engine_t\")"
    );

    let mut pod = restricted_pod();
    pod["spec"]["containers"][0]["livenessProbe"] =
        json!({"httpGet": {"host": "10.0.0.1", "port": 80}});
    assert!(eval(lv(Level::Baseline, "v1.33"), pod.clone()).allowed);
    assert_eq!(
        eval(lv(Level::Baseline, "v1.34"), pod).forbidden_detail(),
        "probe or lifecycle host (container \"app\" uses probe or lifecycle host \"10.0.0.1\")"
    );
}

#[test]
fn latest_is_the_cluster_version() {
    let mut pod = restricted_pod();
    pod["spec"]["securityContext"]["sysctls"] =
        json!([{"name": "net.ipv4.tcp_rmem", "value": "1"}]);
    let latest = lv(Level::Baseline, "latest");
    assert!(eval_with(&Evaluator::new(Some(32)), latest, pod.clone()).allowed);
    assert!(!eval_with(&Evaluator::new(Some(31)), latest, pod.clone()).allowed);
    // Above the newest known version means the newest.
    assert!(eval_with(&Evaluator::new(Some(99)), latest, pod.clone()).allowed);
    // A pinned version newer than the cluster evaluates as the cluster's newest.
    assert!(!eval_with(&Evaluator::new(Some(31)), lv(Level::Baseline, "v1.32"), pod).allowed);
}

#[test]
fn windows_pods_are_exempt_from_linux_only_checks_from_1_25() {
    let pod = json!({"spec": {
        "os": {"name": "windows"},
        "securityContext": {"runAsNonRoot": true},
        "containers": [{"name": "win", "image": "mcr.microsoft.com/windows/nanoserver"}]
    }});
    for v in ["v1.25", "v1.30", "latest"] {
        let e = eval(lv(Level::Restricted, v), pod.clone());
        assert!(e.allowed, "{v}: {}", e.forbidden_detail());
    }
    let e = eval(lv(Level::Restricted, "v1.24"), pod);
    assert_eq!(
        checks(&e),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
}

#[test]
fn privileged_allows_everything() {
    let pod = json!({"spec": {"hostPID": true, "containers": [{"name": "c", "securityContext": {"privileged": true}}]}});
    let e = eval(lv(Level::Privileged, "v1.0"), pod);
    assert_eq!(
        e,
        Evaluation {
            allowed: true,
            forbidden: vec![]
        }
    );
}

#[test]
fn free_function_matches_default_evaluator() {
    let pod = restricted_pod();
    let t = pod_target("v1", "Pod", &pod).unwrap().unwrap();
    assert_eq!(t.kind, TargetKind::Pod);
    let e = evaluate(lv(Level::Restricted, "latest"), &t.metadata, &t.spec);
    assert!(e.allowed, "{}", e.forbidden_detail());
}

#[test]
fn seccomp_annotations_count_before_1_19_only_for_known_containers() {
    let mut pod = restricted_pod();
    pod["metadata"]["annotations"] = json!({
        "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/app": "unconfined",
        "container.seccomp.security.alpha.kubernetes.io/init": "docker/default",
        "container.seccomp.security.alpha.kubernetes.io/ghost": "unconfined"
    });
    let e = eval(lv(Level::Baseline, "v1.18"), pod.clone());
    assert_eq!(
        e.forbidden_detail(),
        "seccompProfile (forbidden annotations \
         container.seccomp.security.alpha.kubernetes.io/app=\"unconfined\", \
         seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")"
    );
    // From 1.19 only the fields count.
    assert!(eval(lv(Level::Baseline, "v1.19"), pod).allowed);
}

#[test]
fn evaluations_serialize_for_reports() {
    let pod =
        json!({"spec": {"containers": [{"name": "c", "securityContext": {"privileged": true}}]}});
    let e = eval(lv(Level::Baseline, "v1.30"), pod);
    let v = serde_json::to_value(&e).expect("serializable");
    assert_eq!(
        v,
        json!({"allowed": false, "forbidden": [{
            "check": "privileged",
            "reason": "privileged",
            "detail": "container \"c\" must not set securityContext.privileged=true"
        }]})
    );
    let lvv = serde_json::to_value(lv(Level::Restricted, "latest")).expect("serializable");
    assert_eq!(lvv, json!("restricted:latest"));
}
