//! `components.schemas`: every request and response body, matching the serde shapes of
//! `shared` and the server's response structs field for field.

use super::{nullable, sref};
use crate::service::enroll::CODE_VALID_HOURS;
use crate::service::intake::MAX_LINES;
use serde_json::{json, Map, Value};
use shared::protocol::{MAX_PUSH_OPS, PROTOCOL_VERSION};
use shared::quantity::MAX_QTY;
use shared::text::{self, Rule};

/// Text without control characters (what [`shared::text`] refuses everywhere), as an
/// ECMA-262 regular expression.
pub(super) const NO_CONTROL: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// Text without control characters and with at least one character that is not white
/// space (a required field).
pub(super) const NOT_BLANK: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// The JSON Schema keywords of a text rule: `pattern`, and `minLength`/`maxLength` in
/// characters where the rule has them.
pub(super) fn text_rule(rule: Rule, mut schema: Value) -> Value {
    schema["pattern"] = json!(if rule.required { NOT_BLANK } else { NO_CONTROL });
    if rule.required {
        schema["minLength"] = json!(1);
    }
    if let Some(max) = rule.max {
        schema["maxLength"] = json!(max);
    }
    schema
}

/// A request string field under a text rule.
fn text(rule: Rule, description: &str) -> Value {
    text_rule(rule, json!({ "type": "string", "description": description }))
}

/// An optional (nullable) request string field under a text rule.
fn text_or_null(rule: Rule, description: &str) -> Value {
    text_rule(rule, json!({ "type": ["string", "null"], "description": description }))
}

/// A protocol version field: this server speaks exactly one.
fn protocol_version(description: &str) -> Value {
    json!({ "type": "integer", "minimum": PROTOCOL_VERSION, "maximum": PROTOCOL_VERSION, "description": description })
}

/// u32 as serde reads it.
fn u32_int(description: &str) -> Value {
    json!({ "type": "integer", "minimum": 0, "maximum": 4_294_967_295u64, "description": description })
}

/// u64 / usize as serde reads it.
fn u64_int(description: &str) -> Value {
    json!({ "type": "integer", "minimum": 0, "description": description })
}

/// i64 as serde reads it.
fn i64_int(description: &str) -> Value {
    json!({ "type": "integer", "format": "int64", "description": description })
}

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn uuid(description: &str) -> Value {
    json!({ "type": "string", "format": "uuid", "description": description })
}

fn date_time(description: &str) -> Value {
    json!({ "type": "string", "format": "date-time", "description": description })
}

fn array(items: Value, description: &str) -> Value {
    json!({ "type": "array", "items": items, "description": description })
}

fn with_description(mut schema: Value, description: &str) -> Value {
    schema["description"] = json!(description);
    schema
}

/// An object; `strict` for Rust types with `#[serde(deny_unknown_fields)]`.
fn object(description: &str, strict: bool, required: &[&str], properties: Value) -> Value {
    let mut o = json!({ "type": "object", "description": description, "required": required, "properties": properties });
    if strict {
        o["additionalProperties"] = json!(false);
    }
    o
}

/// A unit enum with `rename_all = "snake_case"`.
fn string_enum(description: &str, values: &[&str]) -> Value {
    json!({ "type": "string", "description": description, "enum": values })
}

/// The schema of one variant of an internally tagged enum: the variant's fields with the
/// tag property (a `const`) added in front.
fn tagged(tag: &str, value: &str, description: &str, base: &Value) -> Value {
    let mut v = base.clone();
    v["description"] = json!(description);
    if v.get("type").is_none() {
        v["type"] = json!("object");
    }
    let mut props = Map::new();
    props.insert(tag.to_string(), json!({ "type": "string", "const": value }));
    if let Some(p) = base.get("properties").and_then(Value::as_object) {
        props.extend(p.clone());
    }
    v["properties"] = Value::Object(props);
    let mut required = vec![json!(tag)];
    if let Some(r) = base.get("required").and_then(Value::as_array) {
        required.extend(r.iter().cloned());
    }
    v["required"] = Value::Array(required);
    v
}

/// An internally tagged enum: `oneOf` the named variant schemas, with a discriminator.
fn one_of(description: &str, tag: &str, variants: &[(&str, String)]) -> Value {
    let mapping: Map<String, Value> = variants
        .iter()
        .map(|(value, name)| (value.to_string(), json!(format!("#/components/schemas/{name}"))))
        .collect();
    json!({
        "description": description,
        "oneOf": variants.iter().map(|(_, name)| sref(name)).collect::<Vec<_>>(),
        "discriminator": { "propertyName": tag, "mapping": mapping },
    })
}

fn scalars(s: &mut Map<String, Value>) {
    s.insert("Qty".into(), json!({
        "type": "integer", "minimum": 1, "maximum": MAX_QTY,
        "description": "A positive item quantity, 1 to 100000. Zero, negative, fractional or larger numbers are refused (422)."
    }));
    s.insert(
        "Count".into(),
        json!({
            "type": "integer", "minimum": 0, "maximum": MAX_QTY,
            "description": "A count of items that may be zero (a stock count, a picked quantity), 0 to 100000."
        }),
    );
    s.insert("Fen".into(), json!({
        "type": "integer", "format": "int64",
        "description": "Money in integer fen (分): 1 yuan = 100 fen, e.g. 59900 is ¥599.00. Never a float. Negative amounts are refunds or reversals."
    }));
    s.insert("Ean13".into(), json!({
        "type": "string", "pattern": "^[0-9]{13}$",
        "description": "EAN-13 barcode: 13 digits whose last digit is the check digit (weights 1,3,1,3… over the first 12 digits; check = (10 − sum mod 10) mod 10). A wrong check digit is refused (422).",
        "examples": ["6901234567892"]
    }));
    s.insert(
        "Quality".into(),
        string_enum(
            "Logical stock layer (逻辑库存): sellable (正品) or defective (次品, counted but never sold or reserved).",
            &["sellable", "defective"],
        ),
    );
    s.insert("NodeKind".into(), string_enum(
        "Kind of fulfilment node: warehouses of several kinds, or direct/franchise stores (devices enrol only at stores).",
        &["central_warehouse", "regional_warehouse", "ecommerce_warehouse", "direct_store", "franchise_store", "dealer_warehouse", "front_warehouse"],
    ));
    s.insert("Role".into(), string_enum("Staff role: an associate (导购/店员) or a store manager, who may approve ID-check hand-overs and large returns.", &["associate", "manager"]));
    s.insert(
        "Channel".into(),
        string_enum(
            "Selling channel an order came from; `store` is an endless-aisle order placed by an associate.",
            &["tmall", "jd", "douyin", "mini_program", "store"],
        ),
    );
    s.insert("FulfillmentKind".into(), string_enum("How the customer gets the goods: parcel shipping, pickup at a store with a pickup code (自提), or same-city rider delivery (同城配).", &["ship", "pickup", "same_city"]));
    s.insert(
        "FulfillmentState".into(),
        string_enum(
            "State of a fulfillment order. picked_up, delivered, rejected and cancelled are terminal.",
            &[
                "routed",
                "accepted",
                "picking",
                "packed",
                "ready_for_pickup",
                "picked_up",
                "awaiting_courier",
                "dispatched",
                "delivered",
                "rejected",
                "cancelled",
            ],
        ),
    );
    s.insert(
        "OrderStatus".into(),
        string_enum("Status of a whole channel order.", &["routed", "partially_unrouted", "cancelled", "completed"]),
    );
    s.insert(
        "ReturnCondition".into(),
        string_enum(
            "Condition of a returned item: resaleable goes back to sellable stock, damaged to defective stock.",
            &["resaleable", "damaged"],
        ),
    );
}

fn errors_and_misc(s: &mut Map<String, Value>) {
    s.insert("Error".into(), object("Every error response: a stable machine-readable code and a message that says what to do.", false, &["error"], json!({
        "error": object("The error.", false, &["code", "message"], json!({
            "code": { "type": "string", "description": "Stable code, e.g. `insufficient_stock`, `invalid_body`, `not_found`, `missing_token`.", "examples": ["insufficient_stock"] },
            "message": string("Human-readable message."),
        })),
    })));
    s.insert("Health".into(), object("Liveness and database reachability.", false, &["status", "database"], json!({
        "status": { "type": "string", "const": "ok" },
        "database": { "type": "string", "description": "Storage backend name, e.g. `sqlite`.", "examples": ["sqlite"] },
    })));
}

fn master_data(s: &mut Map<String, Value>) {
    s.insert("GeoPoint".into(), object("A point on the map in decimal degrees (WGS-84). Coordinates off the globe are refused (422 invalid_location).", true, &["lat", "lon"], json!({
        "lat": { "type": "number", "minimum": -90, "maximum": 90, "description": "Latitude." },
        "lon": { "type": "number", "minimum": -180, "maximum": 180, "description": "Longitude." },
    })));
    s.insert(
        "Capabilities".into(),
        object(
            "What a node can do for an order.",
            true,
            &["ship", "pickup", "same_city"],
            json!({
                "ship": { "type": "boolean", "description": "Ships parcels to customers." },
                "pickup": { "type": "boolean", "description": "Customers can pick up here (stores)." },
                "same_city": { "type": "boolean", "description": "Same-city rider delivery (同城配/闪送)." },
            }),
        ),
    );
    s.insert(
        "Node".into(),
        object(
            "A fulfilment node (履约节点): warehouse or store.",
            true,
            &[
                "code",
                "name",
                "kind",
                "city",
                "location",
                "capabilities",
                "opening_hours",
                "daily_capacity",
                "handling_cost",
            ],
            json!({
                "code": text(text::NODE_CODE, "Node code, e.g. `SH-XTD` (1 to 32 characters)."),
                "name": text(text::DISPLAY_NAME, "Display name (1 to 200 characters)."),
                "kind": sref("NodeKind"),
                "city": text(Rule::ANY, "City name."),
                "location": sref("GeoPoint"),
                "capabilities": sref("Capabilities"),
                "opening_hours": text(Rule::ANY, "Opening hours in local time, e.g. `10:00-22:00`."),
                "daily_capacity": u32_int("Fulfillment orders the node can take per day."),
                "handling_cost": with_description(sref("Fen"), "Handling cost per fulfillment order in fen."),
            }),
        ),
    );
    s.insert(
        "Style".into(),
        object(
            "A style (款): the product a customer recognises, in several colours and sizes.",
            true,
            &["code", "name", "category", "list_price"],
            json!({
                "code": text(text::STYLE_CODE, "Style code, e.g. `ST-2026-0001` (1 to 64 characters)."),
                "name": text(text::DISPLAY_NAME, "Display name (1 to 200 characters)."),
                "category": text(Rule::ANY, "Category, e.g. `running-shoes`."),
                "list_price": with_description(sref("Fen"), "List price in fen, not negative."),
            }),
        ),
    );
    s.insert(
        "Sku".into(),
        object(
            "A stock-keeping unit: one colour and size of a style, with its barcode.",
            true,
            &["code", "style_code", "barcode", "colour", "size", "list_price"],
            json!({
                "code": text(text::SKU_CODE, "SKU code, unique in the brand (1 to 64 characters)."),
                "style_code": text(Rule::ANY, "The style this SKU belongs to (in the same import or already known)."),
                "barcode": sref("Ean13"),
                "colour": text(Rule::ANY, "Colour name."),
                "size": text(Rule::ANY, "Size label."),
                "list_price": with_description(sref("Fen"), "List price in fen, not negative."),
            }),
        ),
    );
    s.insert(
        "BundleComponent".into(),
        object(
            "One component of a bundle.",
            true,
            &["sku_code", "qty"],
            json!({
                "sku_code": text(Rule::ANY, "Component SKU code."),
                "qty": with_description(sref("Qty"), "Units of the component in one kit."),
            }),
        ),
    );
    s.insert("Bundle".into(), object("A bundle (组合商品): a kit SKU made of component SKUs; its availability is the minimum over components of available / qty.", true, &["sku_code", "components"], json!({
        "sku_code": text(Rule::ANY, "The kit's own SKU code."),
        "components": array(sref("BundleComponent"), "At least one component, none the kit itself."),
    })));
    s.insert(
        "StaffInput".into(),
        object(
            "A staff member as HQ sets them up. The PIN is hashed on arrival and never stored in plain.",
            true,
            &["id", "store_code", "name", "role", "pin"],
            json!({
                "id": text(text::STAFF_ID, "Staff id, e.g. employee number (1 to 64 characters)."),
                "store_code": text(Rule::ANY, "The store they work at."),
                "name": text(text::STAFF_NAME, "Display name (1 to 100 characters)."),
                "role": sref("Role"),
                "pin": { "type": "string", "pattern": "^[0-9]{4,8}$", "description": "Initial PIN, 4 to 8 digits." },
            }),
        ),
    );
    s.insert("StockLevelInput".into(), object("Sets on-hand (and optionally safety stock) of one SKU at one node; the server records the difference as a stock movement.", true,
        &["node_code", "sku_code", "quality", "on_hand"], json!({
        "node_code": text(Rule::ANY, "Node code."),
        "sku_code": text(Rule::ANY, "SKU code."),
        "quality": sref("Quality"),
        "on_hand": with_description(sref("Count"), "On-hand to set."),
        "safety": nullable(sref("Count"), "Safety stock (安全库存) to keep back from channels; unchanged when absent or null."),
    })));
    s.insert("ImportBundle".into(), object("Master data and stock from HQ's ERP. Every part is optional; the whole import is applied in one transaction, or nothing of it when any row is invalid. At most 200000 rows.", true, &[], json!({
        "nodes": array(sref("Node"), "Nodes to create or update."),
        "styles": array(sref("Style"), "Styles to create or update."),
        "skus": array(sref("Sku"), "SKUs to create or update."),
        "bundles": array(sref("Bundle"), "Bundles to replace."),
        "staff": array(sref("StaffInput"), "Staff to create or update."),
        "stock": array(sref("StockLevelInput"), "Stock levels to set."),
    })));
    s.insert(
        "ImportSummary".into(),
        object(
            "What an import changed.",
            false,
            &["nodes", "styles", "skus", "bundles", "staff", "stock", "movements"],
            json!({
                "nodes": u64_int("Nodes upserted."),
                "styles": u64_int("Styles upserted."),
                "skus": u64_int("SKUs upserted."),
                "bundles": u64_int("Bundles replaced."),
                "staff": u64_int("Staff upserted."),
                "stock": u64_int("Stock levels set."),
                "movements": u64_int("Stock movements recorded for on-hand differences."),
            }),
        ),
    );
}

fn stock(s: &mut Map<String, Value>) {
    s.insert("StockAdjustment".into(), object("Adds or removes units of one SKU at one node (an ERP-side stock movement).", true, &["node_code", "sku_code", "quality", "delta", "note"], json!({
        "node_code": text(Rule::ANY, "Node code (must be known)."),
        "sku_code": text(Rule::ANY, "SKU code (must be known)."),
        "quality": sref("Quality"),
        "delta": { "type": "integer", "format": "int64", "minimum": -i64::from(MAX_QTY), "maximum": MAX_QTY, "not": { "const": 0 },
                   "description": "Units added (positive) or removed (negative); not zero, at most 100000 either way." },
        "note": text(text::ADJUSTMENT_NOTE, "Why, for the ledger (at most 200 characters)."),
    })));
    s.insert("StockAdjustmentBatch".into(), object("An ERP stock adjustment batch, idempotent by batch_id.", true, &["batch_id", "lines"], json!({
        "batch_id": text(text::BATCH_ID, "The ERP's id for this batch (1 to 100 characters); a replay with the same id and lines changes nothing, with other lines it is refused (409 batch_id_reused)."),
        "lines": { "type": "array", "items": sref("StockAdjustment"), "minItems": 1, "maxItems": 10_000, "description": "1 to 10000 adjustments, and the whole body at most 16 MiB (413 body_too_large), which holds 10000 lines with every field at its longest in UTF-8 (about 1.2 KB a line); only text sent as \\u escapes could need more." },
    })));
    s.insert(
        "AdjustmentResult".into(),
        object(
            "What an adjustment batch did.",
            false,
            &["batch_id", "applied", "replayed"],
            json!({
                "batch_id": string("The batch."),
                "applied": u64_int("Lines applied now (0 on a replay)."),
                "replayed": { "type": "boolean", "description": "The batch had been applied before; nothing changed." },
            }),
        ),
    );
    s.insert("StockRecord".into(), object("A node's stock of one SKU and quality. Available to promise to channels is on_hand − reserved − safety − locked.", false,
        &["sku_code", "quality", "on_hand", "reserved", "safety", "locked", "lease"], json!({
        "sku_code": string("SKU code."),
        "quality": sref("Quality"),
        "on_hand": i64_int("Physical units (物理库存): the sum of the stock movement ledger. May fall below reserved after physical facts (oversold)."),
        "reserved": i64_int("Units reserved for fulfillment orders and channel holds."),
        "safety": i64_int("Safety stock kept back from channels."),
        "locked": i64_int("Units locked for promotions or frozen."),
        "lease": i64_int("Units of its own shelf the store may promise while offline, which no other channel can take meanwhile: its safety stock as far as on_hand − reserved − locked holds it (min of the two, not below zero). The store itself may also sell its safety stock online."),
    })));
    s.insert("Audit".into(), object("Result of checking the stock pool's invariants: every balance equals its ledger and its active reservations. Lists hold at most 100 `node/sku/quality` keys each.", false,
        &["balances", "movements", "ledger_mismatches", "reservation_mismatches", "oversold"], json!({
        "balances": u64_int("Balances checked."),
        "movements": u64_int("Stock movements in the ledger."),
        "ledger_mismatches": array(string("`node/sku/quality`"), "Balances whose on-hand differs from their ledger sum (should be empty)."),
        "reservation_mismatches": array(string("`node/sku/quality`"), "Balances whose reserved differs from their active reservations (should be empty)."),
        "oversold": array(string("`node/sku/quality`"), "Balances with more reserved than on hand, after physical facts such as counts."),
    })));
    s.insert("ReservationRequest".into(), object("A channel stock hold (预占) of sellable units, e.g. while a customer pays. Idempotent by reference.", true, &["reference", "node_code", "sku_code", "qty"], json!({
        "reference": text(text::HOLD_REFERENCE, "The caller's idempotency key (1 to 100 characters): the same key and content return the same reservation."),
        "node_code": text(Rule::ANY, "Node to reserve at."),
        "sku_code": text(Rule::ANY, "SKU."),
        "qty": sref("Qty"),
    })));
    s.insert("Reservation".into(), object("A reservation of sellable units at a node: a channel hold (with a reference) or a fulfillment order line's (without).", false,
        &["id", "reference", "node_code", "sku_code", "qty", "status"], json!({
        "id": string("Reservation id (a UUIDv7 string)."),
        "reference": { "type": ["string", "null"], "description": "The caller's idempotency key for holds; null for fulfillment order lines." },
        "node_code": string("Node."),
        "sku_code": string("SKU."),
        "qty": i64_int("Units."),
        "status": { "type": "string", "enum": ["active", "consumed", "released"], "description": "active while held; consumed when the goods left; released when no longer needed." },
    })));
}

fn orders(s: &mut Map<String, Value>) {
    s.insert("Customer".into(), object("The customer as far as fulfilment needs to know.", true, &["name", "phone"], json!({
        "name": text(text::CUSTOMER_NAME, "Name on the order (1 to 100 characters)."),
        "phone": text(text::CUSTOMER_PHONE, "Mobile number for notifications such as the pickup code (1 to 32 characters)."),
        "address": text_rule(text::CUSTOMER_ADDRESS, json!({ "type": "string", "default": "", "description": "Delivery address (empty for pickup; at most 500 characters)." })),
        "location": nullable(sref("GeoPoint"), "Where to deliver; required for ship and same-city orders (422 location_required)."),
    })));
    s.insert("OrderLineInput".into(), object("One line of a channel order as it arrives.", true, &["sku_code", "qty", "unit_price"], json!({
        "sku_code": text(Rule::ANY, "SKU code (must be known)."),
        "qty": sref("Qty"),
        "unit_price": with_description(sref("Fen"), "Price per unit in fen before discount, 0 to 100000000."),
        "discount": { "$ref": "#/components/schemas/Fen", "default": 0, "description": "Discount on the whole line in fen, 0 to the line value." },
    })));
    s.insert("ChannelOrderInput".into(), object("A channel order for intake. Idempotent by (channel, channel_order_id): the same content returns the same order, different content is refused (409 order_conflict).", true,
        &["channel", "channel_order_id", "fulfillment", "customer", "lines"], json!({
        "channel": sref("Channel"),
        "channel_order_id": text(text::CHANNEL_ORDER_ID, "The channel's own order number (1 to 64 characters)."),
        "fulfillment": sref("FulfillmentKind"),
        "customer": sref("Customer"),
        "pickup_store": text_or_null(Rule::ANY, "For pickup orders (required there): the store the customer chose; it must offer pickup."),
        "associate_id": text_or_null(Rule::ANY, "Associate credited with the sale, if any."),
        "lines": { "type": "array", "items": sref("OrderLineInput"), "minItems": 1, "maxItems": MAX_LINES, "description": "1 to 100 lines." },
    })));
    s.insert(
        "OrderLine".into(),
        object(
            "An order line as stored.",
            false,
            &["line_no", "sku_code", "qty", "unit_price", "discount", "unrouted_qty", "returned_qty"],
            json!({
                "line_no": u32_int("1-based line number."),
                "sku_code": string("SKU code."),
                "qty": i64_int("Units ordered."),
                "unit_price": with_description(sref("Fen"), "Price per unit in fen."),
                "discount": with_description(sref("Fen"), "Line discount in fen."),
                "unrouted_qty": i64_int("Units not placed at any node (HQ must act)."),
                "returned_qty": i64_int("Units returned so far."),
            }),
        ),
    );
    s.insert("FulfillmentLine".into(), object("One line of a fulfillment order.", false, &["line_no", "sku_code", "qty", "picked_qty"], json!({
        "line_no": u32_int("1-based line number within the fulfillment order."),
        "sku_code": string("SKU code."),
        "qty": i64_int("Units to fulfil."),
        "picked_qty": { "type": ["integer", "null"], "format": "int64", "description": "Units picked, once the pick is confirmed." },
    })));
    s.insert("PickupCodeHash".into(), object("What a device needs to verify a customer's pickup code offline; the code itself only goes to the customer.", false, &["hash", "expires_at"], json!({
        "hash": string("Salted slow hash of the pickup code."),
        "expires_at": date_time("When the code stops being valid."),
    })));
    s.insert("FulfillmentOrder".into(), object("A fulfillment order (履约单): the part of a channel order one node fulfils.", false,
        &["id", "order_id", "channel_order_id", "channel", "node_code", "kind", "state", "customer_name", "customer_phone_tail", "lines", "pickup_code",
          "reject_reason", "carrier", "tracking_no", "flagged", "version", "created_at", "updated_at"], json!({
        "id": uuid("Fulfillment order id."),
        "order_id": uuid("The channel order it belongs to."),
        "channel_order_id": string("The channel's order number, shown to associates."),
        "channel": sref("Channel"),
        "node_code": string("Node that fulfils it."),
        "kind": sref("FulfillmentKind"),
        "state": sref("FulfillmentState"),
        "customer_name": string("Customer name, for the counter."),
        "customer_phone_tail": string("Last four digits of the customer's phone, to check at the counter."),
        "lines": array(sref("FulfillmentLine"), "Lines."),
        "pickup_code": nullable(sref("PickupCodeHash"), "Pickup code hash once the order is ready for pickup."),
        "reject_reason": { "type": ["string", "null"], "description": "Why the store rejected it, if it did." },
        "carrier": { "type": ["string", "null"], "description": "Courier company or rider service." },
        "tracking_no": { "type": ["string", "null"], "description": "Tracking number." },
        "flagged": { "type": "boolean", "description": "A conflicting fact was recorded and HQ must follow up." },
        "version": i64_int("Server version, bumped by every change."),
        "created_at": date_time("Created."),
        "updated_at": date_time("Last changed."),
    })));
    s.insert(
        "Order".into(),
        object(
            "A channel order with its lines and the fulfillment orders it was routed into.",
            false,
            &[
                "id",
                "channel",
                "channel_order_id",
                "fulfillment",
                "status",
                "customer_name",
                "lines",
                "fulfillment_orders",
                "created_at",
            ],
            json!({
                "id": uuid("Order id."),
                "channel": sref("Channel"),
                "channel_order_id": string("The channel's order number."),
                "fulfillment": sref("FulfillmentKind"),
                "status": sref("OrderStatus"),
                "customer_name": string("Customer name (phone and address stay on the server)."),
                "lines": array(sref("OrderLine"), "Lines."),
                "fulfillment_orders": array(sref("FulfillmentOrder"), "Fulfillment orders it was routed into."),
                "created_at": date_time("When it arrived."),
            }),
        ),
    );
    s.insert("Notification".into(), object("A queued customer notification (e.g. the pickup code SMS), handed out to the sender exactly once.", false,
        &["id", "order_id", "fulfillment_order_id", "kind", "recipient", "body"], json!({
        "id": i64_int("Notification id."),
        "order_id": uuid("Order."),
        "fulfillment_order_id": { "type": ["string", "null"], "format": "uuid", "description": "Fulfillment order, if any." },
        "kind": { "type": "string", "description": "Kind, e.g. `pickup_code`.", "examples": ["pickup_code"] },
        "recipient": string("Customer's phone number."),
        "body": string("Message text."),
    })));
    s.insert("Conflict".into(), object("A conflict or alert flagged for HQ, e.g. a hand-over or count recorded although it conflicts with the server's state.", false,
        &["id", "store_code", "device_id", "op_id", "order_id", "fulfillment_order_id", "code", "message", "created_ms", "resolved_ms", "resolution_note"], json!({
        "id": i64_int("Conflict id."),
        "store_code": { "type": ["string", "null"], "description": "Store involved." },
        "device_id": { "type": ["string", "null"], "description": "Device that sent the fact." },
        "op_id": { "type": ["string", "null"], "format": "uuid", "description": "The device operation." },
        "order_id": { "type": ["string", "null"], "format": "uuid", "description": "Order." },
        "fulfillment_order_id": { "type": ["string", "null"], "format": "uuid", "description": "Fulfillment order." },
        "code": string("Machine-readable reason."),
        "message": string("Human-readable reason."),
        "created_ms": i64_int("When, in Unix milliseconds."),
        "resolved_ms": { "type": ["integer", "null"], "format": "int64", "description": "When HQ resolved it (Unix ms); null while open." },
        "resolution_note": { "type": ["string", "null"], "description": "HQ's note; null while open." },
    })));
    s.insert(
        "PinPolicy".into(),
        object(
            "HQ's rule for staff PINs.",
            true,
            &["min_length"],
            json!({
                "min_length": { "type": "integer", "minimum": 4, "maximum": 8, "description": "Fewest digits a PIN may have.", "examples": [6] },
            }),
        ),
    );
    s.insert(
        "ResolveRequest".into(),
        object(
            "How HQ resolved a conflict.",
            true,
            &["note"],
            json!({
                "note": text(shared::text::RESOLUTION_NOTE, "What HQ did about it; shown to the store."),
            }),
        ),
    );
    s.insert(
        "Resolution".into(),
        object(
            "A conflict of the store's op that HQ resolved.",
            false,
            &["conflict_id", "op_id", "code", "resolved_at", "note"],
            json!({
                "conflict_id": i64_int("The conflict's id at HQ."),
                "op_id": uuid("The op that raised it."),
                "code": string("The conflict's code."),
                "resolved_at": date_time("When HQ resolved it."),
                "note": string("HQ's note."),
            }),
        ),
    );
    s.insert("ResolutionPage".into(), object("A page of resolutions, oldest first.", false, &["items", "next"], json!({
        "items": array(sref("Resolution"), "Resolutions after the cursor."),
        "next": { "type": ["string", "null"], "description": "Pass as `after` for the next page; null on the last page." },
    })));
}

fn devices(s: &mut Map<String, Value>) {
    s.insert(
        "EnrollmentCodeRequest".into(),
        object(
            "Which store a new device enrolment code is for.",
            true,
            &["store_code"],
            json!({
                "store_code": text(Rule::ANY, "Store node code (a direct or franchise store)."),
            }),
        ),
    );
    s.insert("EnrollmentCode".into(), object("A one-time enrolment code, shown once; only its hash is stored.", false, &["store_code", "code", "valid_hours"], json!({
        "store_code": string("The store."),
        "code": { "type": "string", "pattern": "^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", "description": "12 characters in three groups, without 0/O/1/I; dashes and case are ignored when typed.", "examples": ["ABCD-EFGH-JKLM"] },
        "valid_hours": { "type": "integer", "const": CODE_VALID_HOURS, "description": "Hours the code stays valid." },
    })));
    s.insert("Device".into(), object("An enrolled store device.", false, &["id", "store_code", "name", "last_seq", "revoked_ms", "created_ms", "last_seen_ms"], json!({
        "id": { "type": "string", "format": "uuid", "description": "Device id." },
        "store_code": string("Its store."),
        "name": string("Name given at enrolment."),
        "last_seq": i64_int("Highest device_seq applied from its outbox."),
        "revoked_ms": { "type": ["integer", "null"], "format": "int64", "description": "When HQ revoked it (Unix ms), if revoked." },
        "created_ms": i64_int("When it enrolled (Unix ms)."),
        "last_seen_ms": { "type": ["integer", "null"], "format": "int64", "description": "Its last push (Unix ms)." },
    })));
    s.insert("EnrollRequest".into(), object("Exchange a one-time enrolment code for a device credential.", true, &["code", "device_name", "protocol_version"], json!({
        "code": text(Rule::ANY, "The one-time code HQ printed, e.g. `ABCD-EFGH-JKLM`; dashes, spaces and case are ignored, so any code that does not match an issued one is 401 invalid_enrollment_code rather than a format error."),
        "device_name": text(text::DEVICE_NAME, "A name for the device, shown to HQ (1 to 100 characters; 422 invalid_device_name), e.g. `Counter tablet 1`."),
        "protocol_version": protocol_version("Sync protocol version the app speaks; this server speaks 1 and answers any other with 400 unsupported_protocol_version."),
    })));
    s.insert(
        "EnrollResponse".into(),
        object(
            "The device credential. The token is shown once; the server keeps only its hash.",
            false,
            &["device_id", "token", "store", "protocol_version"],
            json!({
                "device_id": uuid("Device id."),
                "token": string("Bearer token for every later device call."),
                "store": with_description(sref("Node"), "The store the device now belongs to."),
                "protocol_version": u32_int("Protocol version the server speaks (1)."),
                "hq_public_key": { "type": ["string", "null"], "description": "HQ's public key for pickup passes (32 bytes, hex): the device checks a customer's pickup QR with it." },
            }),
        ),
    );
}

fn push(s: &mut Map<String, Value>) {
    s.insert(
        "PickedLine".into(),
        object(
            "Picked quantity of one fulfillment line.",
            true,
            &["line_no", "picked"],
            json!({
                "line_no": u32_int("Fulfillment line number."),
                "picked": with_description(sref("Count"), "Units scanned."),
            }),
        ),
    );
    s.insert(
        "ReturnLine".into(),
        object(
            "One returned line.",
            true,
            &["sku_code", "qty", "condition"],
            json!({
                "sku_code": text(Rule::ANY, "SKU code."),
                "qty": with_description(sref("Qty"), "Units returned."),
                "condition": sref("ReturnCondition"),
            }),
        ),
    );
    s.insert("CountLine".into(), object("One counted SKU of a stock count.", true, &["sku_code", "quality", "counted", "expected"], json!({
        "sku_code": text(Rule::ANY, "SKU code."),
        "quality": sref("Quality"),
        "counted": with_description(sref("Count"), "Units found on the shelf."),
        "expected": i64_int("On-hand the device showed when counting; a difference from the server's on-hand means stock moved meanwhile, which is flagged."),
    })));

    let hov: [(&str, &str, &str, Value); 2] = [
        (
            "pickup_code",
            "HandOverVerificationPickupCode",
            "The customer's pickup code (typed or from their QR), verified on the device.",
            object("", true, &["code"], json!({ "code": text(Rule::ANY, "The code as entered.") })),
        ),
        (
            "id_check",
            "HandOverVerificationIdCheck",
            "A manager checked the customer's ID instead.",
            object(
                "",
                true,
                &["manager_id", "note"],
                json!({
                    "manager_id": text(Rule::ANY, "The manager who checked."),
                    "note": text(Rule::ANY, "What was checked (ID type, last digits), for the audit trail."),
                    "approval": text_or_null(Rule::ANY, "The manager's proof that they approved it; without it the hand-over is recorded as unverified and flagged for HQ."),
                }),
            ),
        ),
    ];
    let mut names = Vec::new();
    for (value, name, description, base) in hov {
        s.insert(name.into(), tagged("method", value, description, &base));
        names.push((value, name.to_string()));
    }
    s.insert(
        "HandOverVerification".into(),
        one_of("How the customer proved they may collect; tagged by `method`.", "method", &names),
    );

    let fo = || uuid("Fulfillment order.");
    let ops: Vec<(&str, &str, Value)> = vec![
        ("AcceptFulfillment", "The store takes the fulfillment order (routed → accepted).", object("", true, &["fulfillment_order_id"], json!({ "fulfillment_order_id": fo() }))),
        ("RejectFulfillment", "The store declines the fulfillment order; the server releases its reservations and reroutes its lines.",
            object("", true, &["fulfillment_order_id", "reason"], json!({ "fulfillment_order_id": fo(), "reason": text(text::REJECT_REASON, "Why, shown to HQ (1 to 500 characters; a blank or longer one is answered as a rejected op, invalid_field).") }))),
        ("StartPick", "An associate starts picking (accepted → picking).", object("", true, &["fulfillment_order_id"], json!({ "fulfillment_order_id": fo() }))),
        ("ConfirmPick", "Picking done with the scanned quantity of every line (→ packed); short lines are released and rerouted.",
            object("", true, &["fulfillment_order_id", "lines"], json!({
                "fulfillment_order_id": fo(),
                "lines": array(sref("PickedLine"), "Picked quantity of every line."),
                "shortage_reason": text_or_null(Rule::ANY, "Why lines are short, if any are (required then); kept trimmed to its first 500 characters."),
            }))),
        ("MarkReady", "A packed pickup order is at the counter (→ ready_for_pickup); the server issues the pickup code and queues its notification to the customer.",
            object("", true, &["fulfillment_order_id"], json!({ "fulfillment_order_id": fo() }))),
        ("HandOver", "Fact: the goods were handed to the customer (→ picked_up); the reservation is consumed as a stock movement. Recorded even when it conflicts, then flagged for HQ.",
            object("", true, &["fulfillment_order_id", "verification"], json!({ "fulfillment_order_id": fo(), "verification": sref("HandOverVerification") }))),
        ("RequestCourier", "A courier or same-city rider was requested for a packed order (→ awaiting_courier).",
            object("", true, &["fulfillment_order_id", "carrier"], json!({ "fulfillment_order_id": fo(), "carrier": text(text::CARRIER, "Courier company or rider service (1 to 64 characters; otherwise a rejected op, invalid_field).") }))),
        ("RecordTracking", "The courier collected the parcel (→ dispatched); the reservation is consumed.",
            object("", true, &["fulfillment_order_id", "carrier", "tracking_no"], json!({
                "fulfillment_order_id": fo(),
                "carrier": text(text::CARRIER, "Courier company (1 to 64 characters; otherwise a rejected op, invalid_field)."),
                "tracking_no": text(text::TRACKING_NO, "Tracking number (1 to 64 characters; otherwise a rejected op, invalid_field)."),
            }))),
        ("AcceptReturn", "Fact: a return was received at this store, for an order from any channel; resaleable items go back to sellable stock, damaged ones to defective.",
            object("", true, &["return_id", "order_id", "lines"], json!({
                "return_id": uuid("Return id (UUIDv7 from the device)."),
                "order_id": uuid("The original order."),
                "lines": array(sref("ReturnLine"), "Returned lines."),
                "approved_by": text_or_null(Rule::ANY, "Manager who approved it, when the refund needs one (above ¥2000)."),
                "approval": text_or_null(Rule::ANY, "The manager's proof of that approval; without it the approval is recorded as unproven and flagged for HQ."),
            }))),
        ("PlaceOrder", "Intent: an associate orders for a customer from the network's stock (endless aisle); channel `store`, credited to the acting staff member.",
            object("", true, &["order_id", "fulfillment", "customer", "lines"], json!({
                "order_id": uuid("Order id (UUIDv7 from the device)."),
                "fulfillment": sref("FulfillmentKind"),
                "customer": sref("Customer"),
                "lines": array(sref("OrderLineInput"), "Lines."),
            }))),
        ("CountStock", "Fact: a stock count (盘点) of some SKUs at this store; differences are recorded as stock movements.",
            object("", true, &["count_id", "lines"], json!({
                "count_id": uuid("Count id (UUIDv7 from the device)."),
                "lines": array(sref("CountLine"), "Counted SKUs."),
            }))),
    ];
    let mut names = Vec::new();
    for (kind, description, base) in ops {
        let name = format!("Op{kind}");
        s.insert(name.clone(), tagged("kind", kind, description, &base));
        names.push((kind, name));
    }
    s.insert("Op".into(), one_of("A business operation from a store device, an intent or a fact, never a row diff; tagged by `kind`. Facts (HandOver, AcceptReturn, CountStock) are never rejected: conflicts are recorded and flagged for HQ.", "kind", &names));

    s.insert("OpEnvelope".into(), object("One operation with its identity and context.", true, &["op_id", "device_seq", "staff_id", "device_time", "op"], json!({
        "op_id": uuid("UUIDv7 created on the device; the server applies each op_id once."),
        "device_seq": { "type": "integer", "minimum": 1, "maximum": i64::MAX, "description": "The device's own sequence number, from 1 to 2^63−1 (422 invalid_sequence otherwise), without gaps; it orders the ops, the device clock does not." },
        "staff_id": text(text::STAFF_ID, "Staff member who did it (1 to 64 characters; 422 invalid_staff)."),
        "device_time": date_time("Device clock when it was done (informational; may be skewed)."),
        "op": sref("Op"),
    })));
    s.insert("PushRequest".into(), object("A batch of operations from one device's outbox, in device order.", true, &["protocol_version", "ops"], json!({
        "protocol_version": protocol_version("Protocol version the device speaks (1; others get 400 unsupported_protocol_version)."),
        "ops": { "type": "array", "items": sref("OpEnvelope"), "maxItems": MAX_PUSH_OPS, "description": "At most 500 operations, strictly increasing device_seq without gaps." },
    })));

    let outcomes: [(&str, &str, &str, Value); 3] = [
        ("applied", "OpOutcomeApplied", "Applied as asked.", object("", false, &[], json!({}))),
        (
            "rejected",
            "OpOutcomeRejected",
            "Not applied; the reason is for the associate.",
            object(
                "",
                false,
                &["code", "message"],
                json!({ "code": string("Machine-readable reason."), "message": string("Human-readable reason.") }),
            ),
        ),
        (
            "conflict",
            "OpOutcomeConflict",
            "A fact recorded although it conflicts with the server's state; flagged for HQ.",
            object(
                "",
                false,
                &["code", "message"],
                json!({ "code": string("Machine-readable reason."), "message": string("Human-readable reason.") }),
            ),
        ),
    ];
    let mut names = Vec::new();
    for (value, name, description, base) in outcomes {
        s.insert(name.into(), tagged("status", value, description, &base));
        names.push((value, name.to_string()));
    }
    s.insert("OpOutcome".into(), one_of("Outcome of one operation; tagged by `status`.", "status", &names));
    s.insert(
        "OpResult".into(),
        object(
            "What happened to one operation. A replayed operation gets its stored result again.",
            false,
            &["op_id", "device_seq", "outcome"],
            json!({
                "op_id": uuid("The operation."),
                "device_seq": u64_int("Its device sequence number."),
                "outcome": sref("OpOutcome"),
            }),
        ),
    );
    s.insert(
        "PushResponse".into(),
        object(
            "One result per pushed operation, in request order.",
            false,
            &["results"],
            json!({
                "results": array(sref("OpResult"), "Results in the order of the request."),
            }),
        ),
    );
}

fn pull(s: &mut Map<String, Value>) {
    // Only ever sent inside a `staff` change, so it is inlined there rather than a component.
    let staff = object(
        "A staff member as the store device sees them, for offline PIN login.",
        false,
        &["id", "name", "role", "pin_hash", "active"],
        json!({
            "id": string("Staff id."),
            "name": string("Name."),
            "role": sref("Role"),
            "pin_hash": string("Slow salted PIN hash for offline login."),
            "active": { "type": "boolean", "description": "Inactive staff cannot log in." },
            "approval_salt": string("Salt of the manager's approval key (hex, not secret)."),
        }),
    );
    s.insert(
        "BootstrapProgress".into(),
        object(
            "How far a bootstrap snapshot has come.",
            false,
            &["done", "total"],
            json!({
                "done": u64_int("Records sent so far, this page included."),
                "total": u64_int("Records in the snapshot."),
            }),
        ),
    );
    let variants: [(&str, &str, &str); 7] = [
        ("node", "Node", "A node (all nodes are visible, for endless aisle and transfers)."),
        ("style", "Style", "A style."),
        ("sku", "Sku", "A SKU."),
        ("bundle", "Bundle", "A bundle definition."),
        ("stock", "StockRecord", "The store's stock of one SKU and quality."),
        ("fulfillment_order", "FulfillmentOrder", "A fulfillment order of the store."),
        ("staff", "StaffRecord", "A staff member of the store."),
    ];
    let mut names = Vec::new();
    for (entity, base, description) in variants {
        let name = format!(
            "Change{}",
            if base == "StockRecord" {
                "Stock"
            } else if base == "StaffRecord" {
                "Staff"
            } else {
                base
            }
        );
        let schema = tagged("entity", entity, description, if base == "StaffRecord" { &staff } else { &s[base] });
        s.insert(name.clone(), schema);
        names.push((entity, name));
    }
    s.insert("Change".into(), one_of("The current state of one entity in the device's scope, with the entity's fields inlined next to the `entity` tag.", "entity", &names));
    s.insert(
        "NetworkAvailability".into(),
        object(
            "Units of one SKU available to promise across the network.",
            false,
            &["sku_code", "available"],
            json!({
                "sku_code": string("SKU code."),
                "available": { "type": "integer", "description": "Sellable units free across every node." },
            }),
        ),
    );
    s.insert("AvailabilityPage".into(), object("One page of the network availability snapshot.", false, &["as_of", "items", "next"], json!({
        "as_of": date_time("When the snapshot was read."),
        "items": array(sref("NetworkAvailability"), "SKUs in code order."),
        "next": { "type": ["string", "null"], "description": "Pass as `after` for the next page; null on the last page." },
    })));
    s.insert("PullResponse".into(), object("One page of changes for the device's store.", false, &["protocol_version", "cursor", "has_more", "bootstrap", "changes", "server_time"], json!({
        "protocol_version": u32_int("Protocol version the server speaks (1)."),
        "cursor": string("Opaque cursor for the next pull."),
        "has_more": { "type": "boolean", "description": "More pages are ready now; pull again at once." },
        "bootstrap": nullable(sref("BootstrapProgress"), "Progress while bootstrapping; null once incremental."),
        "changes": array(sref("Change"), "Current state of every entity that changed, in change order."),
        "server_time": date_time("Server clock, for the device to show how fresh its data is."),
    })));
}

/// All component schemas.
pub(super) fn schemas() -> Value {
    let mut s = Map::new();
    scalars(&mut s);
    errors_and_misc(&mut s);
    master_data(&mut s);
    stock(&mut s);
    orders(&mut s);
    devices(&mut s);
    push(&mut s);
    pull(&mut s);
    Value::Object(s)
}
