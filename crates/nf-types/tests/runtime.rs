//! The hand-written runtime through real operations: what both request builders reject, how
//! decoding reports errors, and how the forward-compatible parts of models behave.

use nf_types::registry::{self, BodyKind, ValueKind};
use nf_types::{BuildError, Json, Pagination};
use serde_json::{Value, json};

fn build(
    id: &str,
    parameters: Value,
    options: Value,
    data: Option<Value>,
) -> Result<nf_types::RequestParts, BuildError> {
    registry::build(id, &parameters, &options, data.as_ref())
}

#[test]
fn the_registry_is_sorted_and_found_by_id() {
    let operations = registry::operations();
    assert!(operations.windows(2).all(|pair| pair[0].id < pair[1].id));
    for info in operations {
        assert!(std::ptr::eq(
            registry::get(info.id).expect("listed ids are found"),
            *info
        ));
        assert!(!info.routes.is_empty(), "{}", info.id);
    }
    assert!(registry::get("no.such.operation").is_none());

    let list = registry::get("list.projects").expect("list.projects exists");
    assert_eq!(list.group, "projects");
    assert_eq!(list.method, http::Method::GET);
    assert!(list.paginated);
    assert_eq!(list.items_key, Some("projects"));
    assert_eq!(list.items_path, Some(&["projects"][..]));
    let volumes = registry::get("list.volumes").expect("list.volumes");
    assert_eq!(
        (volumes.items_key, volumes.items_path),
        (None, Some(&[][..]))
    );
    let nested = registry::get("list.externalAddons").expect("list.externalAddons");
    assert_eq!(nested.items_path, Some(&["data", "externalAddons"][..]));
    let template = registry::get("get.template").expect("get.template");
    assert!(template.paginated && template.items_path.is_none());
    assert_eq!(list.body, BodyKind::None);
    assert_eq!(list.query[0].kind, ValueKind::Integer);
}

#[test]
fn unknown_operations_parameters_and_options_are_errors() {
    assert!(matches!(
        build("no.such.operation", json!({}), json!({}), None),
        Err(BuildError::UnknownOperation { .. })
    ));
    assert!(matches!(
        build("list.projects", json!({ "projectId": "p" }), json!({}), None),
        Err(BuildError::UnknownParameter { name }) if name == "projectId"
    ));
    assert!(matches!(
        build("list.projects", json!({}), json!({ "perPage": 5 }), None),
        Err(BuildError::UnknownOption { name }) if name == "perPage"
    ));
    assert!(matches!(
        build("list.projects", json!(["teamId"]), json!({}), None),
        Err(BuildError::InvalidValue { name, .. }) if name == "parameters"
    ));
}

#[test]
fn dynamic_values_must_have_the_declared_json_type() {
    let wrong = [
        json!({ "per_page": "5" }),
        json!({ "per_page": 2.5 }),
        json!({ "cursor": 5 }),
    ];
    for options in wrong {
        assert!(
            matches!(
                build("list.projects", json!({}), options.clone(), None),
                Err(BuildError::InvalidValue { .. })
            ),
            "{options}"
        );
    }
    // A whole number written with a fraction is still a whole number.
    let parts =
        build("list.projects", json!({}), json!({ "per_page": 5.0 }), None).expect("builds");
    assert_eq!(parts.query, "per_page=5");
    // `null` counts as absent.
    let parts = build(
        "list.projects",
        json!({ "teamId": null }),
        json!({ "cursor": null }),
        None,
    )
    .expect("builds");
    assert_eq!(parts.path_and_query(), "/v1/projects");
}

#[test]
fn team_only_routes_need_the_team() {
    assert!(matches!(
        build("get.team", json!({}), json!({}), None),
        Err(BuildError::MissingParameter { name: "teamId" })
    ));
}

#[test]
fn path_values_that_would_not_stay_one_segment_are_rejected() {
    for value in ["", ".", ".."] {
        assert!(
            matches!(
                build("list.projects", json!({ "teamId": value }), json!({}), None),
                Err(BuildError::InvalidParameter { name, .. }) if name == "teamId"
            ),
            "{value:?}"
        );
    }
    let parts = build(
        "list.projects",
        json!({ "teamId": "../x" }),
        json!({}),
        None,
    )
    .expect("builds");
    assert_eq!(parts.path, "/v1/teams/..%2Fx/projects");
}

#[cfg(feature = "projects")]
#[test]
fn typed_requests_reject_the_same_path_values() {
    use nf_types::Operation;
    use nf_types::projects::{DeleteProjectRequest, ListProjectsRequest};

    for value in ["", ".", ".."] {
        assert!(matches!(
            ListProjectsRequest::new().with_team_id(value).to_parts(),
            Err(BuildError::InvalidParameter { .. })
        ));
        assert!(matches!(
            DeleteProjectRequest::new(value).to_parts(),
            Err(BuildError::InvalidParameter { .. })
        ));
    }
}

#[test]
fn bodies_are_checked_against_the_operation() {
    assert!(matches!(
        build("create.project", json!({}), json!({}), None),
        Err(BuildError::MissingBody)
    ));
    assert!(matches!(
        build(
            "list.projects",
            json!({}),
            json!({}),
            Some(json!({ "name": "x" }))
        ),
        Err(BuildError::UnexpectedBody)
    ));
    // The dynamic body is sent as given: compact, members in their order, `/` and non-ASCII
    // unescaped.
    let data = json!({ "name": "é/x", "a": [1] });
    let parts = build("create.project", json!({}), json!({}), Some(data)).expect("builds");
    assert_eq!(
        parts.body.as_deref(),
        Some(r#"{"name":"é/x","a":[1]}"#.as_bytes())
    );
}

#[cfg(feature = "projects")]
#[test]
fn decoding_errors_name_the_offending_member() {
    use nf_types::projects::ListProjectsResponse;

    let missing = ListProjectsResponse::from_json(json!({ "projects": [{ "id": "a" }] }))
        .expect_err("members are missing");
    assert!(matches!(
        missing.kind(),
        nf_types::DecodeErrorKind::MissingMember { .. }
    ));
    assert!(
        missing.path().starts_with("projects[0]"),
        "{}",
        missing.path()
    );

    let wrong = ListProjectsResponse::from_json(json!({ "projects": [
        { "id": "a", "name": "A", "uid": "u", "lifecycleStatus": "created" },
        { "id": 5, "name": "B", "uid": "v", "lifecycleStatus": "created" },
    ] }))
    .expect_err("an id is a number");
    assert_eq!(wrong.path(), "projects[1].id");
    assert_eq!(
        wrong.to_string(),
        "expected a string, found a number at `projects[1].id`"
    );

    let not_an_object = ListProjectsResponse::from_json(json!([])).expect_err("not an object");
    assert_eq!(not_an_object.path(), "");
}

#[cfg(feature = "projects")]
#[test]
fn unknown_enum_values_and_members_survive_decoding() {
    use nf_types::projects::{
        CreateProjectResponseLifecycleStatus as Status, ListProjectsResponse,
    };

    let page = json!({ "projects": [
        { "id": "a", "name": "A", "uid": "u", "lifecycleStatus": "hibernating", "brandNew": 1 },
    ] });
    let decoded = ListProjectsResponse::from_json(page).expect("decodes");
    let status = &decoded.projects[0].lifecycle_status;
    assert_eq!(status, &Status::Unknown("hibernating".into()));
    assert_eq!(status.to_string(), "hibernating");
    assert_eq!(
        decoded.to_json(),
        json!({ "projects": [{ "id": "a", "name": "A", "uid": "u", "lifecycleStatus": "hibernating" }] })
    );
    assert_eq!(Status::from("created"), Status::Created);
    assert_eq!(Status::Created.as_str(), "created");
}

#[cfg(feature = "projects")]
#[test]
fn models_work_with_serde() {
    use nf_types::projects::ListProjectsResponse;

    let text = r#"{"projects":[{"id":"a","lifecycleStatus":"created","name":"A","uid":"u"}]}"#;
    let decoded: ListProjectsResponse = serde_json::from_str(text).expect("decodes");
    assert_eq!(serde_json::to_string(&decoded).expect("encodes"), text);
    let error = serde_json::from_str::<ListProjectsResponse>(r#"{"projects":{}}"#)
        .expect_err("projects is an object");
    assert!(error.to_string().contains("at `projects`"), "{error}");
}

#[cfg(feature = "projects")]
#[test]
fn paginated_requests_set_their_cursor_and_hand_out_their_items() {
    use nf_types::projects::{ListProjectsRequest, ListProjectsResponse};
    use nf_types::{Operation, Paginated};

    let mut request = ListProjectsRequest::new().with_per_page(2);
    assert_eq!(ListProjectsRequest::ID, "list.projects");
    assert_eq!(ListProjectsRequest::ITEMS_PATH, &["projects"]);
    assert_eq!(request.cursor(), None);
    request.set_cursor(Some("next page".to_owned()));
    assert_eq!(request.cursor(), Some("next page"));
    let parts = request.to_parts().expect("builds");
    assert_eq!(parts.query, "per_page=2&cursor=next%20page");

    let page = ListProjectsResponse::from_json(json!({ "projects": [
        { "id": "a", "name": "A", "uid": "u", "lifecycleStatus": "created" },
    ] }))
    .expect("decodes");
    let items = ListProjectsRequest::into_items(page);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, "a");
}

#[test]
fn pagination_ends_without_a_next_page_or_a_cursor() {
    let page = |value: Value| Pagination::from_json(value).expect("decodes");
    assert_eq!(
        page(json!({ "hasNextPage": true, "cursor": "c", "count": 3 })).next_cursor(),
        Some("c")
    );
    assert_eq!(
        page(json!({ "hasNextPage": false, "cursor": "c" })).next_cursor(),
        None
    );
    assert_eq!(page(json!({ "hasNextPage": true })).next_cursor(), None);
}

#[test]
fn numbers_keep_their_json_form() {
    assert_eq!(512.0_f64.to_json(), json!(512));
    assert_eq!(0.5_f64.to_json(), json!(0.5));
    assert_eq!(f64::NAN.to_json(), Value::Null);
    assert_eq!(i64::from_json(json!(5.0)).expect("whole"), 5);
    assert!(i64::from_json(json!(5.5)).is_err());
    assert!(i64::from_json(json!(1e300)).is_err());
}

#[cfg(feature = "teams")]
#[test]
fn nullable_optional_members_tell_absent_from_null() {
    use nf_types::teams::ListApiTokensResponseTokensItem as Token;

    let token = |expires_at: Option<Value>| {
        let mut token = json!({
            "active": true, "createdAt": "t", "id": "i", "name": "n", "revoked": false,
        });
        if let (Some(expires_at), Value::Object(members)) = (expires_at, &mut token) {
            members.insert("expiresAt".to_owned(), expires_at);
        }
        token
    };
    for (json, expected) in [
        (token(None), None),
        (token(Some(Value::Null)), Some(None)),
        (token(Some(json!("2030"))), Some(Some("2030".into()))),
    ] {
        let decoded = Token::from_json(json.clone()).expect("decodes");
        assert_eq!(decoded.expires_at, expected);
        assert_eq!(decoded.to_json(), json, "encodes back unchanged");
    }
    // Optional members that cannot be null omit `None` rather than send `null`.
    let built = Token::new(true, "t", "i", "n", false).with_description("d");
    assert_eq!(
        built.to_json(),
        json!({ "active": true, "createdAt": "t", "description": "d", "id": "i", "name": "n", "revoked": false })
    );
}
