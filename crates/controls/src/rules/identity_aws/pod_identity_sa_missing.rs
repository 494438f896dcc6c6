use super::{Origin, identity};
use crate::Subjects;
use crate::{Context, Control, ControlMeta, Sink, control};
use eksguard_core::AwsData;
use eksguard_core::Need;
use eksguard_core::aws::{AwsFacts, PodIdentityAssociation, Sourced};
use eksguard_core::{Inventory, JsonPath, ObjectRef};

control! {
    /// ## What it checks
    /// EKS Pod Identity associations of this cluster naming a ServiceAccount
    /// that the scan does not contain, in a namespace the scan does contain
    /// (objects of other namespaces are not known, so they are not judged).
    ///
    /// ## Why it matters
    /// An association for a missing ServiceAccount is a standing grant:
    /// whoever can later create a ServiceAccount of that name in that
    /// namespace, and a pod using it, receives the role's credentials. It is
    /// also usually a sign that the workload was renamed or removed and the
    /// AWS side was not cleaned up.
    ///
    /// ## Example
    /// ```json
    /// {"association": {"clusterName": "acme-prod", "namespace": "shop", "serviceAccount": "old-indexer",
    ///   "roleArn": "arn:aws:iam::111122223333:role/search-indexer"}}
    /// ```
    ///
    /// ## Fix
    /// `aws eks delete-pod-identity-association`, or create the intended
    /// ServiceAccount (and point the association at it).
    ///
    /// ## References
    /// - EKS User Guide, "Assign an IAM role to a Kubernetes service account" (Pod Identity associations)
    /// - EKS API Reference, "CreatePodIdentityAssociation" (namespace and service account are not validated to exist)
    /// - EKS Best Practices Guide, Identity and Access Management: "EKS Pod Identities"
    pub struct PodIdentitySaMissing {
        id: "IAM-029",
        name: "pod-identity-service-account-missing",
        title: "Pod Identity association names a ServiceAccount that does not exist",
        severity: Low,
        pillar: IdentityAccess,
        responsibility: Customer,
    }
}

/// `ObjectRef` of a Pod Identity association.
pub(crate) fn association_ref(a: &PodIdentityAssociation) -> ObjectRef {
    let name = a
        .association_id
        .clone()
        .unwrap_or_else(|| format!("{}/{}", a.namespace, a.service_account));
    ObjectRef {
        api_version: "aws:eks/2017-11-01".into(),
        kind: "AWS::EKS::PodIdentityAssociation".into(),
        namespace: Some(a.namespace.clone()),
        name,
        arn: a.association_arn.clone().or_else(|| a.role_arn.clone()),
    }
}

/// Reports `field` of an association.
pub(crate) fn report_association(
    out: &mut Sink,
    meta: &'static ControlMeta,
    facts: &AwsFacts,
    a: &Sourced<PodIdentityAssociation>,
    field: &str,
    message: String,
    fix: &str,
) {
    let field = JsonPath::keys(&[field]);
    let location = facts.locate(&a.source, &field);
    out.report_ref(
        meta,
        association_ref(a),
        location,
        field.to_string(),
        message,
        fix,
    );
}

impl Control for PodIdentitySaMissing {
    fn meta(&self) -> &'static ControlMeta {
        &Self::META
    }

    fn needs(&self) -> &'static [Need] {
        const NEEDS: &[Need] = &[Need::aws(AwsData::PodIdentity)];
        NEEDS
    }

    fn subjects(&self) -> Subjects {
        Subjects::Whole
    }

    /// Cost: O(n) in objects: reads the identity view, built once per scan
    /// in O(n) (indexed ServiceAccount and workload lookups) and shared by
    /// the identity controls.
    fn check_inventory(&self, inv: &Inventory, _ctx: &Context, out: &mut Sink) {
        let (Some(facts), Some(id)) = (inv.aws.as_ref(), identity(inv)) else {
            return;
        };
        for (b, origin) in id.bindings.iter().zip(&id.origins) {
            let Origin::Association(i) = *origin else {
                continue;
            };
            let Some(a) = facts.pod_identity_associations.get(i) else {
                continue;
            };
            if !id.namespaces.contains(&b.namespace)
                || id
                    .service_account(&b.namespace, &b.service_account)
                    .is_some()
            {
                continue;
            }
            report_association(
                out,
                &Self::META,
                facts,
                a,
                "serviceAccount",
                format!(
                    "Pod Identity association for {}/{} (role {}): the scan has namespace {} but no ServiceAccount {}; whoever creates it gets the role",
                    b.namespace, b.service_account, b.role_arn, b.namespace, b.service_account
                ),
                "Delete the association (aws eks delete-pod-identity-association) or create the intended ServiceAccount.",
            );
        }
    }
}
