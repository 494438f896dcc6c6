use super::{cluster, report_cluster};
use crate::NEEDS_CLUSTER;
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::Need;
use eksguard_core::{Inventory, JsonPath};

control! {
    /// ## What it checks
    /// The EKS cluster's `deletionProtection`, which is off unless set.
    ///
    /// ## Why it matters
    /// Without it one `DeleteCluster` call (a mistaken script, an IaC
    /// destroy, an attacker with `eks:DeleteCluster`) removes the control
    /// plane with its etcd data: every Kubernetes object and Secret is gone,
    /// and Auto Mode terminates the nodes it manages. Deletion protection
    /// makes deletion a deliberate two-step act.
    ///
    /// ## Example
    /// ```json
    /// "deletionProtection": false
    /// ```
    ///
    /// ## Fix
    /// `aws eks update-cluster-config --name C --deletion-protection`.
    ///
    /// ## References
    /// - EKS User Guide, "Protect EKS clusters from accidental deletion"
    /// - EKS API Reference, UpdateClusterConfig (deletionProtection)
    pub struct DeletionProtectionOff {
        id: "AUTO-002",
        name: "eks-deletion-protection-off",
        title: "EKS cluster deletion protection is off",
        severity: Low,
        pillar: DataProtection,
        responsibility: AwsDefault,
    }
}

impl Control for DeletionProtectionOff {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        NEEDS_CLUSTER
    }

    fn subjects(&self) -> Subjects {
        Subjects::Cluster
    }

    /// Cost: O(1) in objects: reads the AWS facts (inventory lookups are
    /// O(1)).
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let Some((facts, c)) = cluster(inv) else {
            return;
        };
        if c.deletion_protection != Some(true) {
            // The title says "off": so does the message, with the field as
            // it is (absent means off).
            let shown = match c.deletion_protection {
                Some(v) => format!("deletionProtection is {v}"),
                None => "deletionProtection is absent, which means off".to_owned(),
            };
            report_cluster(
                out,
                &Self::META,
                facts,
                c,
                JsonPath::keys(&["deletionProtection"]),
                format!(
                    "cluster {}: deletion protection is off ({shown}): one DeleteCluster call removes the cluster and its etcd data",
                    c.name
                ),
                "Turn on deletion protection: aws eks update-cluster-config --deletion-protection.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Config, Context, Control, Sink};
    use eksguard_core::aws::{AwsFacts, AwsSource, Sourced};
    use eksguard_core::{Inventory, JsonPath};

    #[test]
    fn title_and_message_agree_when_the_field_is_absent() {
        let cluster = serde_json::from_value(serde_json::json!({
            "name": "c", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/c"
        }))
        .unwrap();
        let mut inv = Inventory::new(Vec::new());
        inv.aws = Some(AwsFacts {
            cluster: Some(Sourced {
                item: cluster,
                source: AwsSource {
                    origin: "test".into(),
                    path: JsonPath::root(),
                },
            }),
            ..Default::default()
        });
        let config = Config::default();
        let mut sink = Sink::new();
        super::DeletionProtectionOff.check_inventory(&inv, &Context::new(&config), &mut sink);
        let f = sink.into_findings();
        assert!(f[0].title.ends_with("is off"));
        assert_eq!(
            f[0].message,
            "cluster c: deletion protection is off (deletionProtection is absent, which means off): one DeleteCluster call removes the cluster and its etcd data"
        );
    }
}
