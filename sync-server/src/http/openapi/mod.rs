//! The OpenAPI 3.1 document of the HTTP API, served at `GET /api/v1/openapi.json`.
//!
//! Built by hand with `serde_json::json!` to match the serde shapes of the request and
//! response types exactly; `tests/openapi.rs` checks that every route is documented and
//! every `$ref` resolves.

mod paths;
mod schemas;

use axum::Json;
use serde_json::{json, Value};
use std::sync::OnceLock;

/// A reference to a component schema.
fn sref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// `schema` or JSON null, for `Option` fields.
fn nullable(schema: Value, description: &str) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }], "description": description })
}

fn build() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Omnichannel sync server",
            "version": "1",
            "description": "The HQ sync server of the omnichannel retail system: the master stock pool, channel order intake and routing into fulfillment orders, and sync with store devices.\n\n\
                Two kinds of callers use it:\n\n\
                * **HQ and its ERP** (and channel integrations) with the **admin token**: import master data and stock, adjust stock, place channel holds, take and cancel orders, report deliveries, create enrolment codes, manage devices, follow up conflicts and send customer notifications.\n\
                * **Store devices** with a **device token** obtained by enrolling with a one-time code from HQ: push business operations from their offline outbox (accept, pick, pickup code, hand-over, returns, counts, endless-aisle orders), pull the changes of their store's scope, and listen for change pokes.\n\n\
                Every error is `{\"error\":{\"code\",\"message\"}}` with a stable code. Money is integer fen (1/100 yuan); quantities are integers.",
        },
        "servers": [{ "url": "/" }],
        "tags": paths::tags(),
        "paths": paths::paths(),
        "components": {
            "securitySchemes": {
                "admin": { "type": "http", "scheme": "bearer", "description": "The HQ admin token from the server's configuration: `Authorization: Bearer <token>` (the scheme name is case-insensitive)." },
                "device": { "type": "http", "scheme": "bearer", "description": "A device token, returned once by `POST /api/v1/enroll`, sent as `Authorization: Bearer <token>` (the scheme name is case-insensitive); bound to one store until HQ revokes the device." },
            },
            "schemas": schemas::schemas(),
        },
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<Value> {
    static DOC: OnceLock<Value> = OnceLock::new();
    Json(DOC.get_or_init(build).clone())
}
