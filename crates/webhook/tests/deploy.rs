//! `deploy/webhook` renders with kustomize and applies with
//! `kubectl apply --dry-run=client` against the in-process test API server
//! (which serves the discovery kubectl needs), so the manifests are checked
//! offline against the resource types they use.

use eksguard_test_apiserver::{ApiServer, ResourceType};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

fn deploy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/webhook")
}

fn kubectl() -> Command {
    let c = Command::new("kubectl");
    assert!(
        Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .output()
            .is_ok(),
        "kubectl is required for this test (it is installed on the project's machines)"
    );
    c
}

#[tokio::test]
async fn kustomize_renders_and_client_dry_run_applies() {
    let out = kubectl()
        .arg("kustomize")
        .arg(deploy_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = String::from_utf8(out.stdout).unwrap();
    for kind in [
        "kind: Namespace",
        "kind: ServiceAccount",
        "kind: ClusterRole\n",
        "kind: ClusterRoleBinding",
        "kind: Issuer",
        "kind: Certificate",
        "kind: Deployment",
        "kind: PodDisruptionBudget",
        "kind: Service\n",
        "kind: NetworkPolicy",
        "kind: ValidatingWebhookConfiguration",
        "kind: ConfigMap",
    ] {
        assert!(rendered.contains(kind), "rendered output lacks {kind:?}");
    }

    let api = ApiServer::start(Duration::from_secs(5)).await.unwrap();
    // What kustomize renders: the built-in types plus cert-manager's.
    api.register_all(ResourceType::standard());
    api.register_all([
        ResourceType::new(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "PodDisruptionBudget",
            true,
        ),
        ResourceType::new("cert-manager.io", "v1", "issuers", "Issuer", true),
        ResourceType::new("cert-manager.io", "v1", "certificates", "Certificate", true),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    api.write_kubeconfig(&kubeconfig).unwrap();
    let deploy = deploy_dir();
    let out = tokio::task::spawn_blocking(move || {
        kubectl()
            .args(["apply", "--dry-run=client", "--validate=false", "-k"])
            .arg(&deploy)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env("HOME", dir.path())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("created (dry run)").count(), 14, "{stdout}");
    assert!(
        stdout.contains(
            "validatingwebhookconfiguration.admissionregistration.k8s.io/eksguard created (dry run)"
        ),
        "{stdout}"
    );
}
