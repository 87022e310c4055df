//! The API group of an operation: the module and cargo feature its types live in.
//!
//! The group comes from the least specific route: drop `/v1/`, then an optional
//! `teams/{teamId}` and an optional `projects/{projectId}` prefix; the first remaining path
//! segment (the first two under `integrations/` and `cloud-providers/`) is looked up in
//! [`TABLE`], which folds the API's many small collections into groups of related operations.
//! A route with nothing left after the prefixes belongs to the group of the prefix it ended
//! in (`/v1/teams/{teamId}` to `teams`, `/v1/projects/{projectId}` to `projects`). A segment
//! the table does not know is an error, so a new collection gets a deliberate home.

use anyhow::{Result, bail};

/// Path segment (or two) -> group.
pub(crate) const TABLE: &[(&str, &str)] = &[
    ("projects", "projects"),
    ("initialize", "projects"),
    ("services", "services"),
    ("container-snapshots", "services"),
    ("jobs", "jobs"),
    ("addons", "addons"),
    ("addon-types", "addons"),
    ("external-addons", "addons"),
    ("backup-destinations", "addons"),
    ("secrets", "secrets"),
    ("volumes", "volumes"),
    ("domains", "networking"),
    ("dns-id", "networking"),
    ("load-balancers", "networking"),
    ("egress-ips", "networking"),
    ("network-policies", "networking"),
    ("cloud-providers", "cloud"),
    ("regions", "cloud"),
    ("billing", "billing"),
    ("plans", "billing"),
    ("teams", "teams"),
    ("members", "teams"),
    ("roles", "teams"),
    ("org-roles", "teams"),
    ("org-members", "teams"),
    ("directory-groups", "teams"),
    ("tokens", "teams"),
    ("auth", "teams"),
    ("tags", "teams"),
    ("templates", "templates"),
    ("workflows", "templates"),
    ("preview-blueprints", "templates"),
    ("pipelines", "pipelines"),
    ("gradual-rollout-strategies", "pipelines"),
    ("integrations/registries", "registries"),
    ("integrations/log-sinks", "logs"),
    ("integrations/audit-log-sinks", "logs"),
    ("integrations/notifications", "logs"),
    ("integrations/vcs", "integrations"),
    ("integrations/ssh-identities", "integrations"),
    ("integrations", "integrations"),
    ("encryption", "security"),
    ("workload-identities", "security"),
    ("harnesses", "ai"),
    ("llm-model-deployments", "ai"),
];

/// What each group holds, for the docs of its module.
pub(crate) const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "addons",
        "Addons (managed databases and caches), their backups, backup destinations and external addons.",
    ),
    ("ai", "Coding-agent harnesses and LLM model deployments."),
    ("billing", "Invoices, usage, credit balance and plans."),
    (
        "cloud",
        "Bring-your-own-cloud clusters, cloud provider integrations, node types and regions.",
    ),
    (
        "integrations",
        "Version control and SSH identity integrations.",
    ),
    (
        "jobs",
        "Jobs: cron and manual jobs, their builds, runs and settings.",
    ),
    (
        "logs",
        "Log sinks, audit log sinks and notification integrations.",
    ),
    (
        "networking",
        "Domains and subdomains, load balancers, egress IPs and network policies.",
    ),
    (
        "pipelines",
        "Pipelines, release flows, preview environments and gradual rollout strategies.",
    ),
    ("projects", "Projects."),
    ("registries", "Container registry credentials."),
    ("secrets", "Secret groups, global secrets and their links."),
    (
        "security",
        "Encryption configurations and workload identities.",
    ),
    (
        "services",
        "Services: builds, deployments, ports, health checks, rollouts and snapshots.",
    ),
    (
        "teams",
        "Teams, organisations, members, roles, API tokens, authentication and resource tags.",
    ),
    (
        "templates",
        "Templates, workflows, preview blueprints and their runs.",
    ),
    ("volumes", "Volumes and their backups."),
];

/// The group of an operation whose least specific route is `route`.
pub(crate) fn group_of(route: &str) -> Result<&'static str> {
    let Some(rest) = route.strip_prefix("/v1/") else {
        bail!("route {route} does not start with /v1/");
    };
    let mut segments: Vec<&str> = rest
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let mut ended_in = None;
    for prefix in ["teams", "projects"] {
        if segments.len() >= 2 && segments[0] == prefix && segments[1].starts_with('{') {
            segments.drain(..2);
            ended_in = Some(prefix);
        }
    }
    let key = match segments.as_slice() {
        [] => match ended_in {
            Some(prefix) => prefix.to_owned(),
            None => bail!("route {route} names no collection"),
        },
        [first @ ("integrations" | "cloud-providers"), second, ..] if !second.starts_with('{') => {
            format!("{first}/{second}")
        }
        [first, ..] => (*first).to_owned(),
    };
    let lookup = |key: &str| {
        TABLE
            .iter()
            .find(|(segment, _)| *segment == key)
            .map(|(_, group)| *group)
    };
    let first = key.split('/').next().unwrap_or_default();
    match lookup(&key).or_else(|| lookup(first)) {
        Some(group) => Ok(group),
        None => bail!(
            "route {route}: no group for `{key}`; add it to the table in xtask/src/codegen/groups.rs"
        ),
    }
}

/// The description of `group`.
pub(crate) fn description(group: &str) -> &'static str {
    DESCRIPTIONS
        .iter()
        .find(|(name, _)| *name == group)
        .map_or("Operations of the API.", |(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_come_from_the_first_segment_after_the_prefixes() {
        let cases = [
            ("/v1/projects", "projects"),
            ("/v1/projects/{projectId}", "projects"),
            ("/v1/projects/{projectId}/services/{serviceId}", "services"),
            ("/v1/projects/{projectId}/initialize", "projects"),
            ("/v1/teams/{teamId}", "teams"),
            ("/v1/integrations/registries", "registries"),
            ("/v1/integrations/log-sinks/{logSinkId}/pause", "logs"),
            ("/v1/integrations/vcs", "integrations"),
            ("/v1/cloud-providers/clusters", "cloud"),
            ("/v1/addon-types", "addons"),
            ("/v1/auth", "teams"),
        ];
        for (route, group) in cases {
            assert_eq!(group_of(route).expect(route), group, "{route}");
        }
        assert!(group_of("/v1/something-new").is_err());
        assert!(group_of("/v2/projects").is_err());
    }

    #[test]
    fn every_group_has_a_description() {
        for (_, group) in TABLE {
            assert!(
                DESCRIPTIONS.iter().any(|(name, _)| name == group),
                "{group}"
            );
        }
    }
}
