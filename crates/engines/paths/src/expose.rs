//! Exposure: which Services and Ingresses put pods behind an internet-facing
//! load balancer, and which node or host ports the node security groups open
//! to the internet.
//!
//! Defaults, as the AWS Load Balancer Controller and EKS Auto Mode apply them:
//! - A `Service` of type `LoadBalancer` gets a Network Load Balancer from EKS
//!   Auto Mode (`loadBalancerClass: eks.amazonaws.com/nlb`, the cluster
//!   default) or the AWS Load Balancer Controller (`service.k8s.aws/nlb`).
//!   Its scheme is **internal** unless
//!   `service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing`
//!   (EKS User Guide, "Use Service Annotations to configure Network Load
//!   Balancers"; LBC docs, "Service annotations": `aws-load-balancer-scheme`
//!   defaults to `internal`). Another `loadBalancerClass` belongs to another
//!   controller and is not judged.
//! - An `Ingress` whose IngressClass names the controller
//!   `eks.amazonaws.com/alb` (Auto Mode) or `ingress.k8s.aws/alb` (LBC) gets
//!   an Application Load Balancer whose scheme is the IngressClassParams'
//!   `spec.scheme` when set, else the Ingress annotation
//!   `alb.ingress.kubernetes.io/scheme`, else **internal** (EKS User Guide,
//!   "Create an IngressClass to configure an Application Load Balancer";
//!   LBC docs, "Ingress annotations").
//! - `loadBalancerSourceRanges` (or the `load-balancer-source-ranges`
//!   annotation, or `alb.ingress.kubernetes.io/inbound-cidrs` /
//!   IngressClassParams `inboundCIDRs`) without `0.0.0.0/0` or `::/0`
//!   restricts the load balancer to those ranges: not the internet.
//! - NodePorts and hostPorts (and the ports of host-network pods) are on the
//!   nodes' addresses: internet-facing only when a security group the nodes
//!   carry allows the port from `0.0.0.0/0` or `::/0`.

use eksguard_core::aws::{AwsFacts, IpPermission, SecurityGroup};
use eksguard_core::{JsonPath, Object};
use serde_json::Value;

/// Why an object exposes pods to the internet, and the field to change.
#[derive(Debug, Clone)]
pub struct Scheme {
    pub because: String,
    pub path: JsonPath,
}

/// Why an exposure does not reach the internet (for notes).
#[derive(Debug, Clone)]
pub struct NotExposed {
    pub object: String,
    pub because: String,
}

fn ann<'a>(obj: &'a Object, key: &str) -> Option<&'a str> {
    obj.annotation(key).map(str::trim)
}

fn ann_path(key: &str) -> JsonPath {
    JsonPath::keys(&["metadata", "annotations"]).key(key)
}

fn anywhere(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0")
}

/// `Some(ranges)` when source ranges restrict the load balancer and none of
/// them is the whole internet.
fn restricted(ranges: &[String]) -> Option<String> {
    let r: Vec<&str> = ranges
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!r.is_empty() && !r.iter().any(|c| anywhere(c))).then(|| r.join(", "))
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(s)) => s.split(',').map(|x| x.trim().to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// The load balancer of a `Service` of type `LoadBalancer`, when it is
/// internet-facing (`Ok`), or why not (`Err`).
pub fn service_scheme(svc: &Object) -> Result<Scheme, String> {
    let spec = svc.raw.get("spec");
    let ty = spec
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    if ty != "LoadBalancer" {
        return Err(format!("type {ty}"));
    }
    let class = spec
        .and_then(|s| s.get("loadBalancerClass"))
        .and_then(Value::as_str);
    let controller = match class {
        None | Some("eks.amazonaws.com/nlb") => "EKS Auto Mode",
        Some("service.k8s.aws/nlb") => "the AWS Load Balancer Controller",
        Some(other) => return Err(format!("loadBalancerClass {other} is another controller's")),
    };
    let mut ranges = str_list(spec.and_then(|s| s.get("loadBalancerSourceRanges")));
    if ranges.is_empty() {
        ranges = str_list(svc.raw.pointer(
            "/metadata/annotations/service.beta.kubernetes.io~1load-balancer-source-ranges",
        ));
    }
    const SCHEME: &str = "service.beta.kubernetes.io/aws-load-balancer-scheme";
    const INTERNAL: &str = "service.beta.kubernetes.io/aws-load-balancer-internal";
    match ann(svc, SCHEME) {
        Some("internet-facing") => {
            if let Some(r) = restricted(&ranges) {
                return Err(format!(
                    "internet-facing but loadBalancerSourceRanges allows only {r}"
                ));
            }
            Ok(Scheme {
                because: format!(
                    "type LoadBalancer with {SCHEME}: internet-facing: {controller} provisions an internet-facing Network Load Balancer"
                ),
                path: ann_path(SCHEME),
            })
        }
        Some(other) => Err(format!("{SCHEME}: {other}")),
        None if ann(svc, INTERNAL) == Some("false") && class.is_none() => {
            // Legacy annotation, honoured by the LBC; not by Auto Mode, whose
            // default (internal) applies.
            Err(format!(
                "{INTERNAL}: false is not supported by EKS Auto Mode; the scheme defaults to internal"
            ))
        }
        None => Err(format!(
            "type LoadBalancer without {SCHEME}: {controller} defaults to an internal load balancer"
        )),
    }
}

/// An Ingress's load balancer, when internet-facing.
pub fn ingress_scheme(
    ing: &Object,
    objects: &[Object],
    classes: &[usize],
    params: &[usize],
) -> Result<Scheme, String> {
    let class_name = ing
        .raw
        .pointer("/spec/ingressClassName")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| ann(ing, "kubernetes.io/ingress.class").map(str::to_owned));
    let class = match &class_name {
        Some(n) => classes.iter().map(|&i| &objects[i]).find(|c| &c.name == n),
        None => classes
            .iter()
            .map(|&i| &objects[i])
            .find(|c| ann(c, "ingressclass.kubernetes.io/is-default-class") == Some("true")),
    };
    let controller = class
        .and_then(|c| c.raw.pointer("/spec/controller").and_then(Value::as_str))
        .map(str::to_owned);
    let who = match (controller.as_deref(), class_name.as_deref()) {
        (Some("eks.amazonaws.com/alb"), _) => "EKS Auto Mode",
        (Some("ingress.k8s.aws/alb"), _) => "the AWS Load Balancer Controller",
        // A legacy class annotation `alb` with no IngressClass object: the LBC.
        (None, Some("alb")) => "the AWS Load Balancer Controller",
        (Some(other), _) => {
            return Err(format!(
                "IngressClass controller {other} is not an AWS load balancer controller"
            ));
        }
        (None, Some(n)) => return Err(format!("IngressClass {n} is not in the input")),
        (None, None) => return Err("no IngressClass and no default IngressClass".into()),
    };
    let param = class.and_then(|c| {
        let p = c.raw.pointer("/spec/parameters")?;
        let kind = p.get("kind").and_then(Value::as_str)?;
        let name = p.get("name").and_then(Value::as_str)?;
        (kind == "IngressClassParams").then_some(())?;
        params.iter().map(|&i| &objects[i]).find(|o| o.name == name)
    });
    let mut ranges = str_list(param.and_then(|p| p.raw.pointer("/spec/inboundCIDRs")));
    if ranges.is_empty() {
        ranges = str_list(
            ing.raw
                .pointer("/metadata/annotations/alb.ingress.kubernetes.io~1inbound-cidrs"),
        );
    }
    const SCHEME: &str = "alb.ingress.kubernetes.io/scheme";
    let (scheme, because) =
        match param.and_then(|p| p.raw.pointer("/spec/scheme").and_then(Value::as_str)) {
            Some(s) => (
                s.to_owned(),
                format!(
                    "IngressClassParams {} sets spec.scheme: {s}",
                    param.map_or("", |p| p.name.as_str())
                ),
            ),
            None => match ann(ing, SCHEME) {
                Some(s) => (s.to_owned(), format!("{SCHEME}: {s}")),
                None => (
                    "internal".to_owned(),
                    format!("no scheme: {who} defaults to an internal load balancer"),
                ),
            },
        };
    if scheme != "internet-facing" {
        return Err(because);
    }
    if let Some(r) = restricted(&ranges) {
        return Err(format!("internet-facing but inbound CIDRs allow only {r}"));
    }
    Ok(Scheme {
        because: format!(
            "{because}: {who} provisions an internet-facing Application Load Balancer"
        ),
        path: if param.is_some() {
            JsonPath::keys(&["spec", "ingressClassName"])
        } else {
            ann_path(SCHEME)
        },
    })
}

/// The security groups the nodes carry: those Auto Mode NodeClasses select
/// (`spec.securityGroupSelectorTerms` by `id`, `name` or `tags`), else the
/// cluster security group.
pub fn node_security_groups<'f>(facts: &'f AwsFacts, objects: &[Object]) -> Vec<&'f SecurityGroup> {
    let terms: Vec<&Value> = objects
        .iter()
        .filter(|o| o.is("eks.amazonaws.com", "NodeClass"))
        .flat_map(|o| {
            o.raw
                .pointer("/spec/securityGroupSelectorTerms")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .collect();
    let cluster_sg = facts
        .cluster
        .as_ref()
        .and_then(|c| c.resources_vpc_config.as_ref())
        .and_then(|v| v.cluster_security_group_id.clone());
    facts
        .security_groups
        .iter()
        .map(|s| &s.item)
        .filter(|sg| {
            if terms.is_empty() {
                return Some(&sg.group_id) == cluster_sg.as_ref();
            }
            terms.iter().any(|t| {
                if let Some(id) = t.get("id").and_then(Value::as_str) {
                    return id == sg.group_id;
                }
                if let Some(name) = t.get("name").and_then(Value::as_str) {
                    return sg.group_name.as_deref() == Some(name);
                }
                t.get("tags")
                    .and_then(Value::as_object)
                    .is_some_and(|tags| {
                        !tags.is_empty()
                            && tags.iter().all(|(k, v)| {
                                let want = v.as_str().unwrap_or("");
                                sg.tag(k).is_some_and(|have| want == "*" || have == want)
                            })
                    })
            })
        })
        .collect()
}

fn perm_covers(p: &IpPermission, proto: &str, port: u16) -> bool {
    let ip_proto = p.ip_protocol.as_deref().unwrap_or("-1");
    let proto_ok = ip_proto == "-1"
        || ip_proto.eq_ignore_ascii_case(proto)
        || (ip_proto == "6" && proto == "tcp")
        || (ip_proto == "17" && proto == "udp");
    if !proto_ok {
        return false;
    }
    if ip_proto == "-1" {
        return true;
    }
    match (p.from_port, p.to_port) {
        (Some(-1), _) | (None, _) => true,
        (Some(f), Some(t)) => f <= i64::from(port) && i64::from(port) <= t,
        (Some(f), None) => f == i64::from(port),
    }
}

/// The first node security group rule allowing `proto/port` from anywhere.
pub fn open_to_internet(sgs: &[&SecurityGroup], proto: &str, port: u16) -> Option<String> {
    for sg in sgs {
        for p in sg.ip_permissions.iter().flatten() {
            if !perm_covers(p, proto, port) {
                continue;
            }
            let v4 = p
                .ip_ranges
                .iter()
                .flatten()
                .filter_map(|r| r.cidr_ip.as_deref());
            let v6 = p
                .ipv6_ranges
                .iter()
                .flatten()
                .filter_map(|r| r.cidr_ipv6.as_deref());
            if let Some(c) = v4.chain(v6).find(|c| anywhere(c)) {
                return Some(format!(
                    "security group {} ({}) on the nodes allows {proto}/{port} from {c}",
                    sg.group_id,
                    sg.group_name.as_deref().unwrap_or("")
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use eksguard_core::Source;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        Object::from_value(
            v,
            None,
            Source {
                file: "t.yaml".into(),
                document: 0,
                item: None,
                line: 1,
                column: 1,
            },
        )
        .unwrap()
    }

    #[test]
    fn services_are_internal_unless_annotated() {
        let lb = |ann: Value, extra: Value| {
            let mut spec =
                json!({"type": "LoadBalancer", "selector": {"app": "a"}, "ports": [{"port": 80}]});
            if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
                for (k, v) in e {
                    s.insert(k.clone(), v.clone());
                }
            }
            obj(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n", "annotations": ann}, "spec": spec}),
            )
        };
        assert!(service_scheme(&lb(json!({}), json!({}))).is_err());
        let public =
            json!({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"});
        assert!(service_scheme(&lb(public.clone(), json!({}))).is_ok());
        assert!(
            service_scheme(&lb(
                public.clone(),
                json!({"loadBalancerClass": "eks.amazonaws.com/nlb"})
            ))
            .is_ok()
        );
        assert!(
            service_scheme(&lb(
                public.clone(),
                json!({"loadBalancerClass": "example.com/lb"})
            ))
            .is_err()
        );
        assert!(
            service_scheme(&lb(
                public.clone(),
                json!({"loadBalancerSourceRanges": ["203.0.113.0/24"]})
            ))
            .is_err()
        );
        assert!(
            service_scheme(&lb(
                public,
                json!({"loadBalancerSourceRanges": ["0.0.0.0/0"]})
            ))
            .is_ok()
        );
        let internal = json!({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"});
        assert!(service_scheme(&lb(internal, json!({}))).is_err());
    }

    #[test]
    fn ingress_scheme_from_params_then_annotation() {
        let objects = vec![
            obj(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "alb"},
                "spec": {"controller": "eks.amazonaws.com/alb", "parameters": {"apiGroup": "eks.amazonaws.com", "kind": "IngressClassParams", "name": "alb"}}}),
            ),
            obj(
                json!({"apiVersion": "eks.amazonaws.com/v1", "kind": "IngressClassParams", "metadata": {"name": "alb"}, "spec": {"scheme": "internet-facing"}}),
            ),
            obj(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "plain"},
                "spec": {"controller": "eks.amazonaws.com/alb"}}),
            ),
        ];
        let ing = |class: &str, ann: Value| {
            obj(
                json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "i", "namespace": "n", "annotations": ann}, "spec": {"ingressClassName": class}}),
            )
        };
        assert!(ingress_scheme(&ing("alb", json!({})), &objects, &[0, 2], &[1]).is_ok());
        assert!(ingress_scheme(&ing("plain", json!({})), &objects, &[0, 2], &[1]).is_err());
        assert!(
            ingress_scheme(
                &ing(
                    "plain",
                    json!({"alb.ingress.kubernetes.io/scheme": "internet-facing"})
                ),
                &objects,
                &[0, 2],
                &[1]
            )
            .is_ok()
        );
        assert!(ingress_scheme(&ing("nginx", json!({})), &objects, &[0, 2], &[1]).is_err());
    }
}
