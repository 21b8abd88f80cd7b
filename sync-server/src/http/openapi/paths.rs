//! `paths`: every route of [`crate::http::router`], with the statuses its handler returns.

use super::schemas::NO_CONTROL;
use super::sref;
use serde_json::{json, Map, Value};
use shared::protocol::{MAX_PULL_LIMIT, PROTOCOL_VERSION};

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Auth {
    /// No credential.
    Public,
    /// The HQ admin token.
    Admin,
    /// A device token from enrolment.
    Device,
}

fn error(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": sref("Error") } } })
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn list_of(name: &str) -> Value {
    json!({ "type": "array", "items": sref(name) })
}

fn body(name: &str, description: &str) -> Value {
    json!({ "required": true, "description": description, "content": { "application/json": { "schema": sref(name) } } })
}

fn query(name: &str, required: bool, schema: Value, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "schema": schema, "description": description })
}

/// A text query parameter: any text without control characters (400 invalid_query).
fn text_query(name: &str, required: bool, description: &str) -> Value {
    query(name, required, json!({ "type": "string", "pattern": NO_CONTROL }), description)
}

/// `limit`: any u32 is accepted and clamped, so the schema allows every u32.
fn limit_query(default: u32, max: u32, what: &str) -> Value {
    query(
        "limit",
        false,
        json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX, "default": default }),
        &format!("Most {what} to return (default {default}). Any value from 0 to 4294967295 is accepted and clamped to 1..{max}; a negative, fractional or larger number is 400 invalid_query."),
    )
}

fn path_id(description: &str) -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string", "pattern": NO_CONTROL }, "description": description })
}

/// The statuses a JSON body can cause before the handler runs, plus the endpoint's own 422s.
fn body_errors(limit: &str, invalid: &str) -> Vec<(&'static str, Value)> {
    vec![
        ("400", error("malformed_json: the body is not valid JSON (or is empty).")),
        ("413", error(&format!("body_too_large: the body is larger than {limit}; send it in smaller parts."))),
        ("415", error("unsupported_media_type: send the body as JSON with `Content-Type: application/json`.")),
        ("422", error(&format!("invalid_body: a field is missing, unknown, or has the wrong type or value (e.g. a quantity out of range, a bad EAN-13 check digit); invalid_field: a string holds a control character (NUL, line breaks and tabs included; no field is multi-line), is blank where it is required, or is longer than its maxLength in characters (the message names the field). {invalid}"))),
    ]
}

fn query_error() -> (&'static str, Value) {
    ("400", error("invalid_query: a query parameter is missing, unknown, not of its type, or holds a control character (the message names it)."))
}

fn path_error() -> Value {
    error("invalid_path: the path id holds a control character.")
}

fn not_found(what: &str) -> (&'static str, Value) {
    ("404", error(&format!("not_found: {what}")))
}

fn conflict(what: &str) -> (&'static str, Value) {
    ("409", error(what))
}

struct Operation {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    auth: Auth,
    summary: &'static str,
    description: &'static str,
    parameters: Vec<Value>,
    request_body: Option<Value>,
    responses: Vec<(&'static str, Value)>,
}

impl Operation {
    fn into_json(self) -> Value {
        let has_path_id = self.parameters.iter().any(|p| p["in"] == "path");
        let has_body = self.request_body.is_some();
        let checks_credential = !matches!(self.auth, Auth::Public) || self.path == "/api/v1/enroll";
        let mut responses = Map::new();
        for (status, r) in self.responses {
            responses.insert(status.to_string(), r);
        }
        if self.parameters.iter().any(|p| p["in"] == "path") {
            responses.entry("400").or_insert_with(path_error);
        }
        if has_path_id {
            let text = "invalid_path: a path segment is not valid UTF-8 text (or has a control character); percent-encode the id's UTF-8 bytes.";
            match responses.get_mut("400").and_then(|r| r.get_mut("description")) {
                Some(Value::String(d)) => *d = format!("{d} Or {text}"),
                _ => {
                    responses.insert("400".into(), error(text));
                }
            }
        }
        if has_body {
            responses.insert(
                "408".into(),
                error("body_timeout: the body did not arrive in full in time (the server's `--body-timeout-secs`, 30 s by default); the connection is closed. Send the request again in one go."),
            );
        }
        if checks_credential {
            responses.insert(
                "429".into(),
                json!({
                    "description": "rate_limited: too many failed credential checks (unknown enrolment codes or tokens) from this address, or on this enrolment code; nothing was checked or changed. Retry after the `Retry-After` seconds.",
                    "headers": { "Retry-After": { "description": "Seconds until the oldest counted failure leaves the window.", "schema": { "type": "integer", "minimum": 1 } } },
                    "content": { "application/json": { "schema": sref("Error") } },
                }),
            );
        }
        match self.auth {
            Auth::Public => {}
            Auth::Admin => {
                responses.insert(
                    "401".into(),
                    error(
                        "missing_token or invalid_token: send the HQ admin token as `Authorization: Bearer <token>`.",
                    ),
                );
            }
            Auth::Device => {
                responses.insert(
                    "401".into(),
                    error("missing_token, invalid_token (the device is not enrolled) or device_revoked (HQ revoked it): enrol the device again with a new code."),
                );
            }
        }
        responses.insert(
            "503".into(),
            json!({
                "description": "unavailable: the database is busy or restarting; nothing was changed. Retry after the `Retry-After` seconds.",
                "headers": { "Retry-After": { "description": "Seconds to wait before retrying.", "schema": { "type": "integer" } } },
                "content": { "application/json": { "schema": sref("Error") } },
            }),
        );
        responses.insert("500".into(), error("internal: a bug; the change was not applied."));
        let security = match self.auth {
            Auth::Public => json!([]),
            Auth::Admin => json!([{ "admin": [] }]),
            Auth::Device => json!([{ "device": [] }]),
        };
        let mut op = json!({
            "operationId": self.id,
            "tags": [self.tag],
            "summary": self.summary,
            "description": self.description,
            "security": security,
            "responses": responses,
        });
        if !self.parameters.is_empty() {
            op["parameters"] = Value::Array(self.parameters);
        }
        if let Some(b) = self.request_body {
            op["requestBody"] = b;
        }
        op
    }
}

const META: &str = "Meta";
const DEVICE: &str = "Store devices";
const STOCK: &str = "HQ: master data and stock";
const ORDERS: &str = "HQ: orders";
const DEVICES: &str = "HQ: devices";
const FOLLOW_UP: &str = "HQ: follow-ups";

/// The tags, in display order.
pub(super) fn tags() -> Value {
    json!([
        { "name": META, "description": "Health and this document." },
        { "name": DEVICE, "description": "Called by store devices: enrolment with a one-time code, then push of operations, pull of changes and change pokes, with the device token." },
        { "name": STOCK, "description": "Called by HQ's ERP with the admin token: master data import, stock movements, balances and channel holds." },
        { "name": ORDERS, "description": "Called by HQ and channel integrations with the admin token: order intake, routing into fulfillment orders, cancellation, delivery callbacks." },
        { "name": DEVICES, "description": "Called by HQ with the admin token: enrolment codes, the device list, revocation." },
        { "name": FOLLOW_UP, "description": "Called by HQ with the admin token: conflicts flagged by stores and customer notifications to send." },
    ])
}

fn operations() -> Vec<Operation> {
    vec![
        Operation {
        method: "get", path: "/healthz", id: "healthz", tag: META, auth: Auth::Public,
        summary: "Liveness and database check",
        description: "Runs a trivial query against the database. 200 when the server can reach it, 503 when it cannot.",
        parameters: vec![], request_body: None,
        responses: vec![("200", json_response("The server and its database are up.", sref("Health")))],
    },
        Operation {
        method: "get", path: "/api/v1/openapi.json", id: "getOpenApi", tag: META, auth: Auth::Public,
        summary: "This OpenAPI document",
        description: "The OpenAPI 3.1 description of every endpoint of the sync server.",
        parameters: vec![], request_body: None,
        responses: vec![("200", json_response("The document.", json!({ "type": "object" })))],
    },
        Operation {
        method: "post", path: "/api/v1/enroll", id: "enrollDevice", tag: DEVICE, auth: Auth::Public,
        summary: "Enrol a store device",
        description: "Exchanges a one-time enrolment code (created by HQ for one store, valid 24 hours, usable once) for a device id and a bearer token bound to that store. The token is shown only in this response. Needs no credential: the code is the credential.",
        parameters: vec![], request_body: Some(body("EnrollRequest", "The code, a device name and the protocol version.")),
        responses: {
            let mut r = vec![("201", json_response("Enrolled; keep the token.", sref("EnrollResponse")))];
            r.extend(body_errors("1 MiB", "Also invalid_device_name (device_name not 1 to 100 characters)."));
            r[1] = ("400", error("malformed_json: the body is not valid JSON; or unsupported_protocol_version: the app speaks another sync protocol version, update it."));
            r.push(("401", error("invalid_enrollment_code: the code is unknown, used or expired; ask HQ for a new one.")));
            r.push(not_found("the code's store no longer exists."));
            r
        },
    },
        Operation {
        method: "post", path: "/api/v1/sync/push", id: "pushOps", tag: DEVICE, auth: Auth::Device,
        summary: "Push operations from the device outbox",
        description: "Applies a batch of business operations (accept, reject, pick, mark ready and issue the pickup code, hand over, courier, tracking, returns, stock counts, endless-aisle orders) exactly once each, in device order, in one transaction. Operations already applied (by op_id) get their stored result again, so a retried push is safe. A rejected intent is reported per operation and undoes only its own writes; facts from the physical world are recorded even when they conflict, and flagged for HQ.",
        parameters: vec![], request_body: Some(body("PushRequest", "Up to 500 operations, in device order.")),
        responses: {
            let mut r = vec![("200", json_response("One result per operation, in order.", sref("PushResponse")))];
            r.extend(body_errors("4 MiB", "Also batch_too_large (more than 500 ops), invalid_sequence (device_seq 0 or above 2^63−1), duplicate_op_id, invalid_staff (staff_id not 1 to 64 characters). A control character in any text field of any op refuses the whole batch with invalid_field; an op's other field rules (a reason's or carrier's length) are answered per op as a rejected outcome."));
            r[1] = ("400", error("malformed_json: the body is not valid JSON; or unsupported_protocol_version: update the app."));
            r.push(conflict("reordered_batch (device_seq not consecutive), sequence_gap (the batch starts after the next expected device_seq: push from there), sequence_conflict (a device_seq was used by another op: re-enrol), op_id_reused, or constraint_violation."));
            r
        },
    },
        Operation {
        method: "get", path: "/api/v1/sync/pull", id: "pullChanges", tag: DEVICE, auth: Auth::Device,
        summary: "Pull changes for the device's store",
        description: "Returns one page of the current state of every entity in the store's scope that changed after the cursor: nodes, styles, SKUs, bundles, the store's staff, its stock balances and its fulfillment orders. Cursor `0` starts a paged bootstrap snapshot; then incremental changes follow. Pull again at once while has_more is true. Pulling is idempotent.",
        parameters: vec![
            text_query("cursor", true, "`0` to bootstrap, else the cursor from the previous page (opaque)."),
            limit_query(1000, MAX_PULL_LIMIT, "changes"),
            query("protocol_version", false, json!({ "type": "integer", "minimum": PROTOCOL_VERSION, "maximum": PROTOCOL_VERSION }), "The protocol version the device speaks (1); another one is refused with 400 unsupported_protocol_version."),
        ],
        request_body: None,
        responses: vec![
            ("200", json_response("A page of changes and the next cursor.", sref("PullResponse"))),
            ("400", error("invalid_query: cursor missing, limit not an unsigned integer, an unknown parameter, or a control character in one; invalid_cursor: not a cursor this server issued, pull again from `0`; or unsupported_protocol_version: update the app.")),
            ("409", error("cursor_ahead: the cursor is beyond the end of this server's change log (HQ restored an older backup, or the device talks to another server); pull again from `0`.")),
        ],
    },
        Operation {
        method: "get", path: "/api/v1/sync/availability", id: "networkAvailability", tag: DEVICE, auth: Auth::Device,
        summary: "Network availability snapshot",
        description: "Sellable units available to promise across every node, per SKU, in SKU code order and paged: what an associate may still order for a customer from elsewhere (endless aisle). Read-only; the device keeps it with its as-of time.",
        parameters: vec![
            text_query("after", false, "Return SKUs after this code (the `next` of the previous page); empty to start."),
            limit_query(5000, 5000, "SKUs"),
        ],
        request_body: None,
        responses: vec![
            ("200", json_response("A page of availability.", sref("AvailabilityPage"))),
            query_error(),
        ],
    },
        Operation {
        method: "get", path: "/api/v1/sync/resolutions", id: "conflictResolutions", tag: DEVICE, auth: Auth::Device,
        summary: "Resolutions of the store's conflicts",
        description: "Conflicts raised by this store's ops that HQ has resolved, oldest resolution first and paged, so the devices' inbox shows them resolved with HQ's note. Read-only; only the device's own store.",
        parameters: vec![
            text_query("after", false, "The `next` of the previous page; empty to start."),
            limit_query(500, 500, "resolutions"),
        ],
        request_body: None,
        responses: vec![
            ("200", json_response("A page of resolutions.", sref("ResolutionPage"))),
            query_error(),
        ],
    },
        Operation {
        method: "get", path: "/api/v1/sync/events", id: "changeEvents", tag: DEVICE, auth: Auth::Device,
        summary: "Change pokes (Server-sent events)",
        description: "A Server-sent event stream that sends an event named `changed` with data `pull` whenever something in the device's store scope (or global master data) changed, and a keep-alive comment every 15 seconds. The event carries no data to apply: the device pulls. A device that fell behind gets one extra poke.",
        parameters: vec![], request_body: None,
        responses: vec![(
            "200",
            json!({
                "description": "An endless event stream: `event: changed` / `data: pull`.",
                "content": { "text/event-stream": { "schema": { "type": "string" }, "example": "event: changed\ndata: pull\n\n" } },
            }),
        )],
    },
        Operation {
        method: "post", path: "/api/v1/import", id: "importMasterData", tag: STOCK, auth: Auth::Admin,
        summary: "Import master data and stock levels",
        description: "Creates or updates nodes, styles, SKUs, bundles and staff (PINs are hashed on arrival), and sets stock levels: the difference from the current on-hand is recorded as an `import` stock movement, and safety stock is set when given. All of it in one transaction, or nothing when any row is invalid. Devices see the changes on their next pull.",
        parameters: vec![], request_body: Some(body("ImportBundle", "Any of nodes, styles, skus, bundles, staff, stock; at most 200000 rows in all.")),
        responses: {
            let mut r = vec![("200", json_response("What was changed.", sref("ImportSummary")))];
            r.extend(body_errors("32 MiB", "Also too_many_rows, invalid_field, invalid_location, invalid_price, duplicate_barcode, unknown_style, invalid_bundle, invalid_pin, pin_too_short (shorter than HQ's PIN policy), unknown_store, unknown_node, unknown_sku; nothing was imported."));
            r.push(conflict("constraint_violation: the change conflicts with existing data."));
            r
        },
    },
        Operation {
        method: "get", path: "/api/v1/stock", id: "getNodeStock", tag: STOCK, auth: Auth::Admin,
        summary: "Stock balances of a node",
        description: "The node's balances (on-hand, reserved, safety, locked) per SKU and stock layer, in SKU order, at most 10000. An unknown node is 404; an unknown SKU (or one the node has no stock of) gives an empty list.",
        parameters: vec![
            text_query("node", true, "Node code."),
            text_query("sku", false, "Only this SKU."),
        ],
        request_body: None,
        responses: vec![("200", json_response("The balances.", list_of("StockRecord"))), query_error(), not_found("no such node.")],
    },
        Operation {
        method: "post", path: "/api/v1/stock/adjustments", id: "adjustStock", tag: STOCK, auth: Auth::Admin,
        summary: "Apply an ERP stock adjustment batch",
        description: "Records each line as an `adjustment` stock movement (units in or out at a node), all or nothing. Idempotent by batch_id: replaying the same batch changes nothing and answers replayed=true.",
        parameters: vec![], request_body: Some(body("StockAdjustmentBatch", "The batch.")),
        responses: {
            let mut r = vec![("200", json_response("Applied, or replayed.", sref("AdjustmentResult")))];
            r.extend(body_errors("16 MiB", "Also invalid_batch (not 1 to 10000 lines), invalid_field (a note over 200 characters), invalid_delta, unknown_node, unknown_sku, adjustment_exceeds_stock (a line would take on-hand below zero or below what is reserved; it names the line); nothing was applied."));
            r.push(conflict("batch_id_reused: the batch_id was applied before with different lines; use a new batch_id."));
            r
        },
    },
        Operation {
        method: "get", path: "/api/v1/stock/audit", id: "auditStock", tag: STOCK, auth: Auth::Admin,
        summary: "Check the stock pool's invariants",
        description: "Checks that every balance's on-hand equals the sum of its stock movements and its reserved equals its active reservations, and lists oversold balances.",
        parameters: vec![], request_body: None,
        responses: vec![("200", json_response("The audit.", sref("Audit")))],
    },
        Operation {
        method: "post", path: "/api/v1/reservations", id: "holdStock", tag: STOCK, auth: Auth::Admin,
        summary: "Place a channel stock hold",
        description: "Reserves sellable units of a SKU at a node for a channel (预占), all or nothing, so they cannot be promised twice. Idempotent by reference: the same reference and content return the existing reservation with 200.",
        parameters: vec![], request_body: Some(body("ReservationRequest", "The hold.")),
        responses: {
            let mut r = vec![
                ("201", json_response("The reservation was created.", sref("Reservation"))),
                ("200", json_response("The reference was used before for the same hold: the existing reservation.", sref("Reservation"))),
            ];
            r.extend(body_errors("1 MiB", "Also invalid_field (reference not 1 to 100 characters), unknown_node, unknown_sku."));
            r.push(conflict("insufficient_stock: not that much available; or reference_reused: the reference holds a different reservation."));
            r
        },
    },
        Operation {
        method: "delete", path: "/api/v1/reservations/{id}", id: "releaseHold", tag: STOCK, auth: Auth::Admin,
        summary: "Release a channel stock hold",
        description: "Ends an active channel hold and returns its units to available. Releasing twice is harmless: the reservation is returned as it is.",
        parameters: vec![path_id("Reservation id.")], request_body: None,
        responses: vec![
            ("200", json_response("The reservation after release.", sref("Reservation"))),
            not_found("no such reservation."),
            conflict("not_a_hold: the reservation belongs to a fulfillment order; cancel the order instead."),
        ],
    },
        Operation {
        method: "post", path: "/api/v1/orders", id: "intakeOrder", tag: ORDERS, auth: Auth::Admin,
        summary: "Take a channel order",
        description: "Validates a channel order, routes its lines to nodes (pickup orders to the chosen store; ship and same-city orders by distance, stock and capacity), reserves the stock and creates the fulfillment orders, all or nothing. Stores see their fulfillment orders on their next pull. Idempotent by (channel, channel_order_id): the same content returns the existing order with 200.",
        parameters: vec![], request_body: Some(body("ChannelOrderInput", "The order.")),
        responses: {
            let mut r = vec![
                ("201", json_response("The order was created and routed.", sref("Order"))),
                ("200", json_response("The same order was taken before: the existing order.", sref("Order"))),
            ];
            r.extend(body_errors("1 MiB", "Also invalid_field, invalid_lines, unknown_sku, invalid_price, invalid_location, pickup_store_required, invalid_pickup_store, location_required."));
            r.push(conflict("insufficient_stock: not enough stock at the pickup store or in the network (nothing was reserved); order_conflict: the channel order id exists with different content; stock_changed: retry."));
            r
        },
    },
        Operation {
        method: "get", path: "/api/v1/orders/{id}", id: "getOrder", tag: ORDERS, auth: Auth::Admin,
        summary: "Get an order",
        description: "The order with its lines and its fulfillment orders, their states, pickup code hashes and tracking.",
        parameters: vec![path_id("Order id (UUID).")], request_body: None,
        responses: vec![("200", json_response("The order.", sref("Order"))), not_found("no such order (or the id is not a UUID).")],
    },
        Operation {
        method: "post", path: "/api/v1/orders/{id}/cancel", id: "cancelOrder", tag: ORDERS, auth: Auth::Admin,
        summary: "Cancel an order",
        description: "Cancels every open fulfillment order of the order, releases their reservations and reverses the sales attribution. Refused once goods left (dispatched, delivered or picked up): take it back as a return instead. Cancelling a cancelled order returns it unchanged. Takes no body.",
        parameters: vec![path_id("Order id (UUID).")], request_body: None,
        responses: vec![
            ("200", json_response("The cancelled order.", sref("Order"))),
            not_found("no such order (or the id is not a UUID)."),
            conflict("order_not_cancellable: a fulfillment order already left the node."),
        ],
    },
        Operation {
        method: "post", path: "/api/v1/fulfillment-orders/{id}/delivered", id: "markDelivered", tag: ORDERS, auth: Auth::Admin,
        summary: "Courier callback: a parcel was delivered",
        description: "Moves a dispatched ship or same-city fulfillment order to delivered and refreshes the order's status. Takes no body.",
        parameters: vec![path_id("Fulfillment order id (UUID).")], request_body: None,
        responses: vec![
            ("204", json!({ "description": "Delivered." })),
            not_found("no such fulfillment order (or the id is not a UUID)."),
            conflict("illegal_transition: it is not dispatched, or it is a pickup order (handed over at the store instead)."),
        ],
    },
        Operation {
        method: "post", path: "/api/v1/enrollment-codes", id: "createEnrollmentCode", tag: DEVICES, auth: Auth::Admin,
        summary: "Create a device enrolment code",
        description: "Creates a one-time enrolment code for a store, valid 24 hours. It is shown once (print it or show it as a QR code); a device exchanges it at /api/v1/enroll for its token.",
        parameters: vec![], request_body: Some(body("EnrollmentCodeRequest", "The store.")),
        responses: {
            let mut r = vec![("201", json_response("The code.", sref("EnrollmentCode")))];
            r.extend(body_errors("1 MiB", "Also not_a_store: the node is a warehouse."));
            r.push(not_found("no such store."));
            r
        },
    },
        Operation {
        method: "get", path: "/api/v1/devices", id: "listDevices", tag: DEVICES, auth: Auth::Admin,
        summary: "List enrolled devices",
        description: "Every enrolled device, revoked ones included, in enrolment order, optionally of one store.",
        parameters: vec![text_query("store", false, "Only devices of this store.")],
        request_body: None,
        responses: vec![("200", json_response("The devices.", list_of("Device"))), query_error()],
    },
        Operation {
        method: "post", path: "/api/v1/devices/{id}/revoke", id: "revokeDevice", tag: DEVICES, auth: Auth::Admin,
        summary: "Revoke a device",
        description: "Revokes a device's token at once (a lost or stolen tablet): its next call gets 401 device_revoked. Revoking again is harmless. Takes no body.",
        parameters: vec![path_id("Device id.")], request_body: None,
        responses: vec![("204", json!({ "description": "Revoked." })), not_found("no such device.")],
    },
        Operation {
        method: "get", path: "/api/v1/conflicts", id: "listConflicts", tag: FOLLOW_UP, auth: Auth::Admin,
        summary: "Conflicts flagged for HQ",
        description: "Conflicts and alerts that stores' facts raised (a hand-over of a cancelled order, a wrong pickup code accepted by ID check, a count that differs from the server, unknown staff...), newest first: the open ones unless `status` says otherwise.",
        parameters: vec![
            limit_query(100, 1000, "conflicts"),
            query("status", false, json!({ "type": "string", "enum": ["open", "resolved", "all"], "default": "open" }), "Which conflicts: still open (default), resolved, or all."),
        ],
        request_body: None,
        responses: vec![("200", json_response("The conflicts.", list_of("Conflict"))), query_error()],
    },
        Operation {
        method: "get", path: "/api/v1/settings/pin-policy", id: "getPinPolicy", tag: DEVICES, auth: Auth::Admin,
        summary: "The staff PIN policy",
        description: "How many digits a staff PIN must have at least (4 unless HQ set more). Devices keep only slow hashes of PINs for offline log-in, so the PIN length is what someone who copied a device must guess through; six or more is recommended.",
        parameters: vec![], request_body: None,
        responses: vec![("200", json_response("The policy in force.", sref("PinPolicy")))],
    },
        Operation {
        method: "put", path: "/api/v1/settings/pin-policy", id: "setPinPolicy", tag: DEVICES, auth: Auth::Admin,
        summary: "Set the staff PIN policy",
        description: "Sets the fewest digits a PIN may have. It applies to PINs HQ sets from now on (an import with a shorter PIN is refused with 422 pin_too_short); PINs already set stay until HQ sets them again.",
        parameters: vec![], request_body: Some(body("PinPolicy", "The policy.")),
        responses: {
            let mut r = vec![("200", json_response("The policy now in force.", sref("PinPolicy")))];
            r.extend(body_errors("1 MiB", "Also invalid_pin_policy: min_length is not 4 to 8."));
            r
        },
    },
        Operation {
        method: "post", path: "/api/v1/conflicts/{id}/resolve", id: "resolveConflict", tag: FOLLOW_UP, auth: Auth::Admin,
        summary: "Resolve a conflict",
        description: "HQ followed a conflict up: it is resolved with HQ's note, leaves the open list, and the store whose op raised it sees it resolved in its devices' inbox. Resolving again with the same note answers the same; with another note it is refused (409 already_resolved).",
        parameters: vec![path_id("Conflict id.")], request_body: Some(body("ResolveRequest", "HQ's note on what was done.")),
        responses: {
            let mut r = vec![("200", json_response("The conflict, resolved.", sref("Conflict")))];
            r.extend(body_errors("1 MiB", "Also invalid_field: the note is not 1 to 500 characters."));
            r.push(conflict("already_resolved: resolved before with another note."));
            r.push(not_found("no such conflict."));
            r
        },
    },
        Operation {
        method: "post", path: "/api/v1/notifications/claim", id: "claimNotifications", tag: FOLLOW_UP, auth: Auth::Admin,
        summary: "Claim customer notifications to send",
        description: "Hands out up to `limit` queued customer notifications (such as the SMS with the pickup code), oldest first. A claim holds a notification for 60 s: acknowledge it once sent (`POST /api/v1/notifications/{id}/ack`), or it is handed out again, so delivery is at least once and the sender dedupes by `id`. Takes no body.",
        parameters: vec![limit_query(100, 1000, "notifications")], request_body: None,
        responses: vec![("200", json_response("The claimed notifications.", list_of("Notification"))), query_error()],
    },
        Operation {
        method: "post", path: "/api/v1/notifications/{id}/ack", id: "ackNotification", tag: FOLLOW_UP, auth: Auth::Admin,
        summary: "Acknowledge a claimed notification",
        description: "The sender acknowledges a notification it claimed and sent: it is not handed out again and its secrets are erased. Takes no body.",
        parameters: vec![path_id("Notification id (a positive integer).")], request_body: None,
        responses: vec![("204", json!({ "description": "Acknowledged." })), not_found("no such notification (or the id is not a positive integer).")],
    },
        Operation {
        method: "post", path: "/api/v1/notifications/{id}/ack", id: "ackNotification", tag: FOLLOW_UP, auth: Auth::Admin,
        summary: "Acknowledge a sent notification",
        description: "The gateway took the notification: it is not handed out again, and its secrets (the plain pickup code and the QR pass) are erased from the server, which keeps only the redacted text. Acknowledging again is harmless. Takes no body.",
        parameters: vec![path_id("Notification id (from the claim).")], request_body: None,
        responses: vec![("204", json!({ "description": "Acknowledged; the plain text is erased." })), not_found("no such notification.")],
    },
    ]
}

/// The `paths` object.
pub(super) fn paths() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        let (path, method) = (op.path, op.method);
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method] = op.into_json();
    }
    Value::Object(paths)
}
