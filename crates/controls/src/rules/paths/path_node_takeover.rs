use crate::{Context, Control, ControlMeta, Sink, Subjects, control};
use eksguard_core::{Inventory, Need};
use eksguard_paths::TargetKind;

control! {
    /// ## What it checks
    /// Every attack path from the internet to control of a node: a reachable
    /// pod that Pod Security baseline flags as equivalent to its node
    /// (privileged, `hostPID`, a sensitive `hostPath` such as `/`, the
    /// kubelet's or the runtime's state, dangerous capabilities such as
    /// `SYS_ADMIN`), or RBAC that lets a reachable token create pods in a
    /// namespace whose PodSecurity admission lets a privileged pod in. The
    /// finding carries the path and sits at the cheapest change that breaks it.
    ///
    /// ## Why it matters
    /// Root on a node means every pod, volume and credential on it, and the
    /// node's IAM role.
    ///
    /// ## Example
    /// ```text
    /// internet → shop/storefront[Service] → shop/storefront[Deployment] → monitoring/node-exporter[DaemonSet]
    ///   → privileged: true, hostPID: true, hostPath / → node
    /// ```
    ///
    /// ## Fix
    /// Apply the change the finding points at; enforce Pod Security
    /// `baseline` (or `restricted`) on the namespaces of workloads that do not
    /// need the host.
    ///
    /// ## References
    /// - https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
    /// - CIS Amazon EKS Benchmark v1.8.0, 4.2 (pod security policies)
    /// - MITRE ATT&CK for Containers, T1611 (Escape to Host)
    pub struct PathNodeTakeover {
        id: "PATH-005",
        name: "attack-path-node-takeover",
        title: "Attack path from the internet to node takeover",
        severity: High,
        pillar: PodSecurity,
        responsibility: Customer,
    }
}

impl Control for PathNodeTakeover {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::kind("", "Service")];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    fn check_inventory(&self, inv: &Inventory, ctx: &Context, out: &mut Sink) {
        super::report(inv, ctx, out, &Self::META, TargetKind::NodeTakeover);
    }
}
