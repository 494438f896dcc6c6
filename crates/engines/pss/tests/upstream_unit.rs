//! Expected reasons and details taken from upstream's own unit tests
//! (`policy/check_*_test.go` in kubernetes/kubernetes staging/src/k8s.io/pod-security-admission),
//! re-expressed as pods here. They cover multi-container and multi-value cases the fixtures
//! do not: set ordering, pluralisation, and how pod- and container-level setters combine.

use eksguard_pss::{Evaluator, Forbidden, Level, LevelVersion, Version};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::json;

fn spec(v: serde_json::Value) -> core::PodSpec {
    serde_json::from_value(v).expect("valid pod spec")
}

/// The result of one check at `level:v1.minor`, or `None` if it passed.
fn check(
    level: Level,
    minor: u64,
    id: &str,
    meta: &ObjectMeta,
    spec: &core::PodSpec,
) -> Option<Forbidden> {
    let lv = LevelVersion::new(level, Version::V1(minor));
    Evaluator::default()
        .evaluate(lv, meta, spec)
        .forbidden
        .into_iter()
        .find(|f| f.check == id)
}

fn detail(
    level: Level,
    minor: u64,
    id: &str,
    meta: &ObjectMeta,
    s: &core::PodSpec,
) -> (String, String) {
    let f = check(level, minor, id, meta, s).unwrap_or_else(|| panic!("{id} must fail"));
    (f.reason.to_owned(), f.detail)
}

fn sel(t: &str, user: &str, role: &str) -> serde_json::Value {
    json!({"seLinuxOptions": {"type": t, "user": user, "role": role}})
}

#[test]
fn selinux_options_1_31() {
    let containers = |extra: bool| {
        let mut c = vec![
            json!({"name": "a", "securityContext": sel("container_t", "", "")}),
            json!({"name": "b", "securityContext": sel("container_init_t", "", "")}),
            json!({"name": "c", "securityContext": sel("container_kvm_t", "", "")}),
            json!({"name": "d", "securityContext": sel("container_engine_t", "", "")}),
        ];
        if extra {
            c.push(json!({"name": "e", "securityContext": sel("bar", "", "")}));
            c.push(json!({"name": "f", "securityContext": {"seLinuxOptions": {"user": "bar"}}}));
            c.push(json!({"name": "g", "securityContext": {"seLinuxOptions": {"role": "baz"}}}));
        }
        c
    };
    let m = ObjectMeta::default();
    let cases = [
        (
            spec(
                json!({"securityContext": sel("foo", "bar", "baz"), "containers": containers(true)}),
            ),
            "pod and containers \"e\", \"f\", \"g\" set forbidden securityContext.seLinuxOptions: types \"bar\", \"foo\"; user may not be set; role may not be set",
        ),
        (
            spec(
                json!({"securityContext": sel("foo", "bar", "baz"), "containers": containers(false)}),
            ),
            "pod set forbidden securityContext.seLinuxOptions: type \"foo\"; user may not be set; role may not be set",
        ),
        (
            spec(
                json!({"securityContext": {"seLinuxOptions": {}}, "containers": containers(true)}),
            ),
            "containers \"e\", \"f\", \"g\" set forbidden securityContext.seLinuxOptions: type \"bar\"; user may not be set; role may not be set",
        ),
        (
            spec(json!({"securityContext": {"seLinuxOptions": {"user": "bad"}}, "containers": []})),
            "pod set forbidden securityContext.seLinuxOptions: user may not be set",
        ),
        (
            spec(json!({"securityContext": {"seLinuxOptions": {"role": "bad"}}, "containers": []})),
            "pod set forbidden securityContext.seLinuxOptions: role may not be set",
        ),
    ];
    for (s, want) in cases {
        assert_eq!(
            detail(Level::Baseline, 31, "seLinuxOptions", &m, &s),
            ("seLinuxOptions".to_owned(), want.to_owned())
        );
    }
}

#[test]
fn capabilities_restricted_multiple_containers() {
    let s = spec(json!({"containers": [
        {"name": "a", "securityContext": {"capabilities": {"add": ["FOO", "BAR"]}}},
        {"name": "b", "securityContext": {"capabilities": {"add": ["BAR", "BAZ"]}}},
        {"name": "c", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL", "FOO"]}}}
    ]}));
    assert_eq!(
        detail(Level::Restricted, 22, "capabilities_restricted", &ObjectMeta::default(), &s),
        (
            "unrestricted capabilities".to_owned(),
            "containers \"a\", \"b\" must set securityContext.capabilities.drop=[\"ALL\"]; containers \"a\", \"b\", \"c\" must not include \"BAR\", \"BAZ\", \"CHOWN\", \"FOO\" in securityContext.capabilities.add".to_owned()
        )
    );
}

#[test]
fn host_ports_multiple_containers() {
    let m = ObjectMeta::default();
    let s = spec(json!({"containers": [
        {"name": "a", "ports": [{"containerPort": 1, "hostPort": 0}]},
        {"name": "b", "ports": [{"containerPort": 1, "hostPort": 0}, {"containerPort": 1, "hostPort": 20}]}
    ]}));
    assert_eq!(
        detail(Level::Baseline, 0, "hostPorts", &m, &s).1,
        "container \"b\" uses hostPort 20"
    );
    let s = spec(json!({"containers": [
        {"name": "a", "ports": [{"containerPort": 1}]},
        {"name": "b", "ports": [{"containerPort": 1}, {"containerPort": 1, "hostPort": 10}, {"containerPort": 1, "hostPort": 20}]},
        {"name": "c", "ports": [{"containerPort": 1}, {"containerPort": 1, "hostPort": 10}, {"containerPort": 1, "hostPort": 30}]}
    ]}));
    assert_eq!(
        detail(Level::Baseline, 0, "hostPorts", &m, &s),
        (
            "hostPort".to_owned(),
            "containers \"b\", \"c\" use hostPorts 10, 20, 30".to_owned()
        )
    );
}

#[test]
fn restricted_volumes_every_type() {
    fn vol(name: &str, f: impl FnOnce(&mut core::Volume)) -> core::Volume {
        let mut v = core::Volume {
            name: name.to_owned(),
            ..Default::default()
        };
        f(&mut v);
        v
    }
    let volumes = vec![
        vol("a1", |v| v.empty_dir = Some(Default::default())),
        vol("a2", |v| v.secret = Some(Default::default())),
        vol("a3", |v| {
            v.persistent_volume_claim = Some(Default::default())
        }),
        vol("a4", |v| v.downward_api = Some(Default::default())),
        vol("a5", |v| v.config_map = Some(Default::default())),
        vol("a6", |v| v.projected = Some(Default::default())),
        vol("a7", |v| v.csi = Some(Default::default())),
        vol("a8", |v| v.ephemeral = Some(Default::default())),
        vol("a9", |v| v.image = Some(Default::default())),
        vol("b1", |v| v.host_path = Some(Default::default())),
        vol("b2", |v| v.gce_persistent_disk = Some(Default::default())),
        vol("b3", |v| {
            v.aws_elastic_block_store = Some(Default::default())
        }),
        vol("b4", |v| v.git_repo = Some(Default::default())),
        vol("b5", |v| v.nfs = Some(Default::default())),
        vol("b6", |v| v.iscsi = Some(Default::default())),
        vol("b7", |v| v.glusterfs = Some(Default::default())),
        vol("b8", |v| v.rbd = Some(Default::default())),
        vol("b9", |v| v.flex_volume = Some(Default::default())),
        vol("b10", |v| v.cinder = Some(Default::default())),
        vol("b11", |v| v.cephfs = Some(Default::default())),
        vol("b12", |v| v.flocker = Some(Default::default())),
        vol("b13", |v| v.fc = Some(Default::default())),
        vol("b14", |v| v.azure_file = Some(Default::default())),
        vol("b15", |v| v.vsphere_volume = Some(Default::default())),
        vol("b16", |v| v.quobyte = Some(Default::default())),
        vol("b17", |v| v.azure_disk = Some(Default::default())),
        vol("b18", |v| {
            v.photon_persistent_disk = Some(Default::default())
        }),
        vol("b19", |v| v.portworx_volume = Some(Default::default())),
        vol("b20", |v| v.scale_io = Some(Default::default())),
        vol("b21", |v| v.storageos = Some(Default::default())),
        // No source and no API-server defaulting applied: upstream calls it "unknown".
        vol("c1", |_| {}),
    ];
    let s = core::PodSpec {
        volumes: Some(volumes),
        ..Default::default()
    };
    assert_eq!(
        detail(Level::Restricted, 0, "restrictedVolumes", &ObjectMeta::default(), &s),
        (
            "restricted volume types".to_owned(),
            "volumes \"b1\", \"b2\", \"b3\", \"b4\", \"b5\", \"b6\", \"b7\", \"b8\", \"b9\", \"b10\", \"b11\", \"b12\", \"b13\", \"b14\", \"b15\", \"b16\", \"b17\", \"b18\", \"b19\", \"b20\", \"b21\", \"c1\" \
             use restricted volume types \"awsElasticBlockStore\", \"azureDisk\", \"azureFile\", \"cephfs\", \"cinder\", \"fc\", \"flexVolume\", \"flocker\", \"gcePersistentDisk\", \"gitRepo\", \"glusterfs\", \
             \"hostPath\", \"iscsi\", \"nfs\", \"photonPersistentDisk\", \"portworxVolume\", \"quobyte\", \"rbd\", \"scaleIO\", \"storageos\", \"unknown\", \"vsphereVolume\"".to_owned()
        )
    );
}

#[test]
fn apparmor_annotations_and_fields() {
    let annotations: std::collections::BTreeMap<String, String> = [
        ("container.apparmor.security.beta.kubernetes.io/", "bogus"),
        ("container.apparmor.security.beta.kubernetes.io/a", ""),
        (
            "container.apparmor.security.beta.kubernetes.io/b",
            "runtime/default",
        ),
        (
            "container.apparmor.security.beta.kubernetes.io/c",
            "localhost/",
        ),
        (
            "container.apparmor.security.beta.kubernetes.io/d",
            "localhost/foo",
        ),
        (
            "container.apparmor.security.beta.kubernetes.io/e",
            "unconfined",
        ),
        (
            "container.apparmor.security.beta.kubernetes.io/f",
            "unknown",
        ),
        ("env", "prod"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let meta = ObjectMeta {
        annotations: Some(annotations),
        ..Default::default()
    };
    assert_eq!(
        detail(
            Level::Baseline,
            0,
            "appArmorProfile",
            &meta,
            &core::PodSpec::default()
        ),
        (
            "forbidden AppArmor profiles".to_owned(),
            "annotations must not set AppArmor profile type to \
             \"container.apparmor.security.beta.kubernetes.io/=\"bogus\"\", \
             \"container.apparmor.security.beta.kubernetes.io/e=\"unconfined\"\", \
             \"container.apparmor.security.beta.kubernetes.io/f=\"unknown\"\""
                .to_owned()
        )
    );
    let m = ObjectMeta::default();
    let s = spec(json!({
        "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "foo"}],
        "initContainers": [{"name": "bar", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]
    }));
    assert_eq!(
        detail(Level::Baseline, 0, "appArmorProfile", &m, &s).1,
        "container \"bar\" must not set AppArmor profile type to \"Unconfined\""
    );
    let s = spec(json!({
        "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "foo", "securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}}}]
    }));
    assert!(check(Level::Baseline, 0, "appArmorProfile", &m, &s).is_none());
}
