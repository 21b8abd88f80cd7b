//! What the derived document needs beyond the handlers' attributes and the types' derives,
//! applied to the whole document after the routes are registered:
//!
//! 1. [`SecuritySchemes`]: the `admin` and `device` bearer schemes; an operation that names
//!    neither is public (`security: []`).
//! 2. [`standard_responses`]: the answers no handler writes itself but every route of a
//!    kind gives, from the extractors and layers in front of the handlers: bad or oversized
//!    bodies (400/408/413/415/422, with the route's own body limit), bad path and query
//!    parameters (400), credentials (401/429), the database (503) and bugs (500). Every
//!    error answer carries the `Error` body.
//! 3. [`text_rules`]: the text boundary of [`crate::http::text`] refuses control characters
//!    in every string a request carries, so every request string (body fields reachable
//!    from a request body, path and query parameters) gets that as a `pattern`; a field with
//!    `minLength: 1` is a required field of [`shared::text`], which also needs one character
//!    that is not white space. Strings with a pattern, a format or an enum of their own keep
//!    them.
//! 4. [`refinements`]: what utoipa's derive cannot say: unsigned integers get the maximum of
//!    their Rust type, [`shared::Qty`] and [`shared::Count`] their range (a serde `try_from`
//!    newtype), the tagged enums that deny unknown fields say so in each variant, and an
//!    adjustment's delta is not zero.
//! 5. [`tagged_variants`]: utoipa writes an internally tagged enum's variants inline, the
//!    tag as a one-value `enum`, and a newtype variant as `allOf` its type and the tag (which
//!    a type denying unknown fields can never satisfy). Each variant becomes a component of
//!    its own (`Op` + `AcceptFulfillment`, `Change` + `Node`...) with the tag a required
//!    `const` in front and the newtype's fields inlined, and the enum a `oneOf` of them with a
//!    discriminator.
//! 6. [`prune`]: component schemas no operation reaches any more are dropped.
//! 7. [`tidy`]: doc comments wrap at 100 columns and link with rustdoc's ``[`path`]``; a
//!    description is one line per paragraph, links as plain code.

use crate::http::text::body_limit;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, Discriminator, KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Header, OpenApi, Ref, RefOr, Response};
use utoipa::Modify;

/// Text without control characters (what [`shared::text`] refuses everywhere), as an
/// ECMA-262 regular expression.
pub const NO_CONTROL: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// Text without control characters and with at least one character that is not white
/// space (a required field).
pub const NOT_BLANK: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\u0000-\\u0020\\u007F-\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF][^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// Tagged enums declared with `#[serde(deny_unknown_fields)]`: their variants take no other
/// field (utoipa carries the attribute over for structs only).
const STRICT_TAGGED_ENUMS: &[&str] = &["Op", "HandOverVerification"];

/// The `admin` and `device` bearer schemes.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(description.to_string())).build(),
            )
        };
        components.security_schemes.insert(
            "admin".into(),
            bearer("The HQ admin token from the server's configuration: `Authorization: Bearer <token>` (the scheme name is case-insensitive)."),
        );
        components.security_schemes.insert(
            "device".into(),
            bearer("A device token, returned once by `POST /api/v1/enroll`, sent as `Authorization: Bearer <token>` (the scheme name is case-insensitive); bound to one store until HQ revokes the device."),
        );
    }
}

/// Every step after the routes are in.
pub fn finish(doc: &mut OpenApi) {
    standard_responses(doc);
    text_rules(doc);
    refinements(doc);
    tagged_variants(doc);
    prune(doc);
    tidy(doc);
}

/// The description of 429, also used by handlers that check a credential of their own.
pub const RATE_LIMITED: &str = "rate_limited: too many failed credential checks (unknown enrolment codes or tokens) from this address, or on this enrolment code; nothing was checked or changed. Retry after the `Retry-After` seconds.";

const INVALID_BODY: &str = "invalid_body: a field is missing, unknown, or has the wrong type or value (e.g. a quantity out of range, a bad EAN-13 check digit); invalid_field: a string holds a control character (NUL, line breaks and tabs included; no field is multi-line), is blank where it is required, or is longer than its maxLength in characters (the message names the field).";
const INVALID_PATH: &str = "invalid_path: the path id is not valid UTF-8 text or holds a control character; percent-encode the id's UTF-8 bytes.";
const INVALID_QUERY: &str = "invalid_query: a query parameter is missing, unknown, not of its type, or holds a control character (the message names it).";

fn error_content() -> Content {
    Content::new(Some(Ref::from_schema_name("Error")))
}

fn error(description: impl Into<String>) -> RefOr<Response> {
    let mut r = Response::new(description);
    r.content.insert("application/json".into(), error_content());
    RefOr::T(r)
}

fn integer_header(description: &str, minimum: Option<i64>) -> Header {
    let mut schema = Object::with_type(Type::Integer);
    schema.minimum = minimum.map(Into::into);
    let mut h = Header::new(RefOr::T(Schema::Object(schema)));
    h.description = Some(description.to_string());
    h
}

fn mib(bytes: usize) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

/// Which bearer scheme an operation needs, if any.
fn scheme(op: &Operation) -> Option<String> {
    let v = serde_json::to_value(op.security.as_ref()?).ok()?;
    v.as_array()?.iter().find_map(|req| req.as_object()?.keys().next().cloned())
}

fn operations(doc: &mut OpenApi) -> impl Iterator<Item = (String, &mut Operation)> {
    doc.paths.paths.iter_mut().flat_map(|(path, item)| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .filter_map(|op| op.as_mut())
        .map(move |op| (path.clone(), op))
    })
}

fn description_mut(r: &mut RefOr<Response>) -> Option<&mut String> {
    match r {
        RefOr::T(r) => Some(&mut r.description),
        RefOr::Ref(_) => None,
    }
}

/// The answers of the layers and extractors in front of every handler (see the module doc).
fn standard_responses(doc: &mut OpenApi) {
    for (path, op) in operations(doc) {
        let scheme = scheme(op);
        if scheme.is_none() {
            op.security = Some(Vec::new());
        }
        let params = op.parameters.as_deref().unwrap_or_default();
        let has_path = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
        let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
        let has_body = op.request_body.is_some();
        let r = &mut op.responses.responses;
        if has_body {
            r.entry("400".into()).or_insert_with(|| error("malformed_json: the body is not valid JSON (or is empty)."));
            r.insert(
                "408".into(),
                error("body_timeout: the body did not arrive in full in time (the server's `--body-timeout-secs`, 30 s by default); the connection is closed. Send the request again in one go."),
            );
            r.insert(
                "413".into(),
                error(format!(
                    "body_too_large: the body is larger than {}; send it in smaller parts.",
                    mib(body_limit(&path))
                )),
            );
            r.insert(
                "415".into(),
                error("unsupported_media_type: send the body as JSON with `Content-Type: application/json`."),
            );
            match r.get_mut("422").and_then(description_mut) {
                Some(own) => *own = format!("{INVALID_BODY} {own}"),
                None => {
                    r.insert("422".into(), error(INVALID_BODY));
                }
            }
        }
        if has_query {
            r.entry("400".into()).or_insert_with(|| error(INVALID_QUERY));
        }
        if has_path {
            match r.get_mut("400").and_then(description_mut) {
                Some(own) => *own = format!("{own} Or {INVALID_PATH}"),
                None => {
                    r.insert("400".into(), error(INVALID_PATH));
                }
            }
        }
        match scheme.as_deref() {
            Some("admin") => {
                r.entry("401".into()).or_insert_with(|| {
                    error("missing_token or invalid_token: send the HQ admin token as `Authorization: Bearer <token>`.")
                });
            }
            Some(_) => {
                r.entry("401".into()).or_insert_with(|| {
                    error("missing_token, invalid_token (the device is not enrolled) or device_revoked (HQ revoked it): enrol the device again with a new code.")
                });
            }
            None => {}
        }
        if scheme.is_some() {
            r.entry("429".into()).or_insert_with(|| error(RATE_LIMITED));
        }
        if let Some(RefOr::T(limited)) = r.get_mut("429") {
            limited.headers.insert(
                "Retry-After".into(),
                integer_header("Seconds until the oldest counted failure leaves the window.", Some(1)),
            );
        }
        let mut unavailable = Response::new(
            "unavailable: the database is busy or restarting; nothing was changed. Retry after the `Retry-After` seconds.",
        );
        unavailable.headers.insert("Retry-After".into(), integer_header("Seconds to wait before retrying.", None));
        r.insert("503".into(), RefOr::T(unavailable));
        r.insert("500".into(), error("internal: a bug; the change was not applied."));
        for (status, answer) in r.iter_mut() {
            if let (true, RefOr::T(answer)) = (status.starts_with('4') || status.starts_with('5'), answer) {
                answer.content.clear();
                answer.content.insert("application/json".into(), error_content());
            }
        }
    }
}

/// Calls `f` on every schema object inside `s` (properties, items, variants), collecting the
/// names of the components it refers to.
fn walk(s: &mut RefOr<Schema>, f: &mut dyn FnMut(&mut Object), refs: &mut BTreeSet<String>) {
    match s {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") {
                refs.insert(name.to_string());
            }
        }
        RefOr::T(Schema::Object(o)) => {
            f(o);
            for p in o.properties.values_mut() {
                walk(p, f, refs);
            }
            if let Some(AdditionalProperties::RefOr(extra)) = o.additional_properties.as_deref_mut() {
                walk(extra, f, refs);
            }
        }
        RefOr::T(Schema::Array(a)) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                walk(items, f, refs);
            }
        }
        RefOr::T(Schema::OneOf(o)) => o.items.iter_mut().for_each(|i| walk(i, f, refs)),
        RefOr::T(Schema::AllOf(o)) => o.items.iter_mut().for_each(|i| walk(i, f, refs)),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter_mut().for_each(|i| walk(i, f, refs)),
        RefOr::T(_) => {}
    }
}

/// Applies `f` to every schema object in the named components and in every component they
/// reach.
fn walk_reachable(doc: &mut OpenApi, start: BTreeSet<String>, f: &mut dyn FnMut(&mut Object)) {
    let Some(components) = doc.components.as_mut() else { return };
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = start.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(s) = components.schemas.get_mut(&name) {
            let mut refs = BTreeSet::new();
            walk(s, f, &mut refs);
            todo.extend(refs);
        }
    }
}

fn is_string(o: &Object) -> bool {
    match &o.schema_type {
        SchemaType::Type(Type::String) => true,
        SchemaType::Array(types) => types.contains(&Type::String),
        _ => false,
    }
}

/// The text rule of [`shared::text`] as a pattern, for a request string.
fn text_rule(o: &mut Object) {
    if is_string(o) && o.pattern.is_none() && o.format.is_none() && o.enum_values.is_none() {
        let required = o.min_length.is_some_and(|n| n >= 1);
        o.pattern = Some(if required { NOT_BLANK } else { NO_CONTROL }.to_string());
    }
}

/// Patterns for every string a request carries (see the module doc).
fn text_rules(doc: &mut OpenApi) {
    let mut start = BTreeSet::new();
    for (_, op) in operations(doc) {
        for p in op.parameters.iter_mut().flatten() {
            if let Some(s) = p.schema.as_mut() {
                walk(s, &mut text_rule, &mut BTreeSet::new());
            }
        }
        for content in op.request_body.iter_mut().flat_map(|b| b.content.values_mut()) {
            if let Some(s) = content.schema.as_mut() {
                walk(s, &mut text_rule, &mut start);
            }
        }
    }
    walk_reachable(doc, start, &mut text_rule);
}

/// The largest value of an unsigned integer format.
fn unsigned_max(format: &SchemaFormat) -> Option<u64> {
    match format {
        SchemaFormat::KnownFormat(KnownFormat::UInt8) => Some(u8::MAX.into()),
        SchemaFormat::KnownFormat(KnownFormat::UInt16) => Some(u16::MAX.into()),
        SchemaFormat::KnownFormat(KnownFormat::UInt32) => Some(u32::MAX.into()),
        _ => None,
    }
}

/// Unsigned integers: the range of their Rust type, which the `uint*` format named (a
/// format JSON Schema does not know, so it goes).
fn integer_bounds(o: &mut Object) {
    if let Some(max) = o.format.as_ref().and_then(unsigned_max) {
        o.maximum.get_or_insert(max.into());
    }
    if let Some(SchemaFormat::KnownFormat(
        KnownFormat::UInt8 | KnownFormat::UInt16 | KnownFormat::UInt32 | KnownFormat::UInt64,
    )) = o.format
    {
        o.minimum.get_or_insert(0u64.into());
        o.format = None;
    }
}

fn component_object<'a>(doc: &'a mut OpenApi, name: &str) -> Option<&'a mut Object> {
    match doc.components.as_mut()?.schemas.get_mut(name)? {
        RefOr::T(Schema::Object(o)) => Some(o),
        _ => None,
    }
}

fn property_object<'a>(doc: &'a mut OpenApi, name: &str, property: &str) -> Option<&'a mut Object> {
    match component_object(doc, name)?.properties.get_mut(property)? {
        RefOr::T(Schema::Object(o)) => Some(o),
        _ => None,
    }
}

fn extension(o: &mut Object, key: &str, value: Value) {
    o.extensions.get_or_insert_with(Extensions::default).insert(key.to_string(), value);
}

/// What the derives cannot say (see the module doc).
fn refinements(doc: &mut OpenApi) {
    let mut all = BTreeSet::new();
    for (_, op) in operations(doc) {
        for p in op.parameters.iter_mut().flatten() {
            if let Some(s) = p.schema.as_mut() {
                walk(s, &mut integer_bounds, &mut BTreeSet::new());
            }
        }
    }
    if let Some(c) = doc.components.as_ref() {
        all.extend(c.schemas.keys().cloned());
    }
    walk_reachable(doc, all, &mut integer_bounds);
    // utoipa wraps an inline field or parameter in a `oneOf` of the one schema.
    for (_, op) in operations(doc) {
        for p in op.parameters.iter_mut().flatten() {
            p.schema.iter_mut().for_each(collapse_single_one_of);
        }
    }
    for s in doc.components.iter_mut().flat_map(|c| c.schemas.values_mut()) {
        collapse_single_one_of(s);
    }

    let max_qty = shared::quantity::MAX_QTY as usize;
    for (name, min) in [("Qty", 1usize), ("Count", 0)] {
        if let Some(o) = component_object(doc, name) {
            o.minimum = Some(min.into());
            o.maximum = Some(max_qty.into());
        }
    }
    if let Some(delta) = property_object(doc, "StockAdjustment", "delta") {
        extension(delta, "not", json!({ "const": 0 }));
    }
    for name in STRICT_TAGGED_ENUMS {
        if let Some(RefOr::T(Schema::OneOf(one))) = doc.components.as_mut().and_then(|c| c.schemas.get_mut(*name)) {
            for variant in &mut one.items {
                if let RefOr::T(Schema::Object(v)) = variant {
                    v.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// A `oneOf` of one schema is that schema, with the `oneOf`'s description and default; a
/// nullable reference (`oneOf` null and the reference) carries the field's description on
/// the `oneOf`, where a reader looks for it.
fn collapse_single_one_of(s: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::OneOf(one)) = s {
        if one.description.is_none() {
            if let Some(RefOr::Ref(r)) =
                one.items.iter_mut().find(|i| matches!(i, RefOr::Ref(r) if !r.description.is_empty()))
            {
                one.description = Some(std::mem::take(&mut r.description));
            }
        }
        if one.items.len() == 1 {
            let (description, default) = (one.description.take(), one.default.take());
            let mut only = one.items.remove(0);
            match &mut only {
                RefOr::T(Schema::Object(o)) => {
                    o.description = description.or(o.description.take());
                    o.default = default.or(o.default.take());
                }
                RefOr::Ref(r) if r.description.is_empty() => r.description = description.unwrap_or_default(),
                _ => {}
            }
            *s = only;
        }
    }
    match s {
        RefOr::T(Schema::Object(o)) => o.properties.values_mut().for_each(collapse_single_one_of),
        RefOr::T(Schema::Array(a)) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                collapse_single_one_of(items);
            }
        }
        RefOr::T(Schema::OneOf(o)) => o.items.iter_mut().for_each(collapse_single_one_of),
        RefOr::T(Schema::AllOf(o)) => o.items.iter_mut().for_each(collapse_single_one_of),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter_mut().for_each(collapse_single_one_of),
        _ => {}
    }
}

/// `pickup_code` → `PickupCode`, `AcceptFulfillment` → `AcceptFulfillment`.
fn pascal(value: &str) -> String {
    value
        .split('_')
        .map(|part| {
            let mut c = part.chars();
            c.next().map(|first| first.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// The tag of a variant utoipa wrote: the property whose schema is a one-value string enum.
fn tag_of(o: &Object) -> Option<(String, String)> {
    o.properties.iter().find_map(|(name, p)| match p {
        RefOr::T(Schema::Object(p)) => match p.enum_values.as_deref() {
            Some([Value::String(v)]) => Some((name.clone(), v.clone())),
            _ => None,
        },
        _ => None,
    })
}

/// A variant as utoipa wrote it: its fields (inline, or the newtype's component), its tag
/// and its description.
struct Variant {
    fields: Object,
    tag: String,
    value: String,
    description: Option<String>,
}

fn variant(item: &RefOr<Schema>, schemas: &BTreeMap<String, RefOr<Schema>>) -> Option<Variant> {
    match item {
        RefOr::T(Schema::Object(o)) => {
            let (tag, value) = tag_of(o)?;
            let mut fields = o.clone();
            fields.properties.shift_remove(&tag);
            fields.required.retain(|r| *r != tag);
            Some(Variant { description: fields.description.clone(), fields, tag, value })
        }
        RefOr::T(Schema::AllOf(all)) => {
            let [RefOr::Ref(inner), RefOr::T(Schema::Object(tag_object))] = all.items.as_slice() else { return None };
            let (tag, value) = tag_of(tag_object)?;
            let name = inner.ref_location.strip_prefix("#/components/schemas/")?;
            let RefOr::T(Schema::Object(fields)) = schemas.get(name)? else { return None };
            let description =
                all.description.clone().or_else(|| Some(inner.description.clone()).filter(|d| !d.is_empty()));
            Some(Variant { fields: fields.clone(), tag, value, description })
        }
        _ => None,
    }
}

/// Named variant components for every internally tagged enum (see the module doc).
fn tagged_variants(doc: &mut OpenApi) {
    let Some(components) = doc.components.as_mut() else { return };
    let mut added = BTreeMap::new();
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for name in names {
        let Some(RefOr::T(Schema::OneOf(one))) = components.schemas.get(&name) else { continue };
        let Some(variants) = one.items.iter().map(|i| variant(i, &components.schemas)).collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let Some(tag) = variants.first().map(|v| v.tag.clone()) else { continue };
        if variants.iter().any(|v| v.tag != tag) {
            continue;
        }
        let mut items = Vec::new();
        let mut mapping = BTreeMap::new();
        for v in variants {
            let component = format!("{name}{}", pascal(&v.value));
            let mut tag_schema = Object::with_type(Type::String);
            extension(&mut tag_schema, "const", Value::String(v.value.clone()));
            let mut schema = v.fields;
            schema.schema_type = SchemaType::Type(Type::Object);
            schema.description = v.description;
            let fields = std::mem::take(&mut schema.properties);
            schema.properties.insert(tag.clone(), RefOr::T(Schema::Object(tag_schema)));
            schema.properties.extend(fields);
            schema.required.insert(0, tag.clone());
            mapping.insert(v.value, format!("#/components/schemas/{component}"));
            items.push(RefOr::Ref(Ref::from_schema_name(component.clone())));
            added.insert(component, RefOr::T(Schema::Object(schema)));
        }
        if let Some(RefOr::T(Schema::OneOf(one))) = components.schemas.get_mut(&name) {
            one.items = items;
            let mut d = Discriminator::new(tag);
            d.mapping = mapping;
            one.discriminator = Some(d);
        }
    }
    components.schemas.extend(added);
}

/// Drops component schemas that nothing in `paths` reaches.
fn prune(doc: &mut OpenApi) {
    let mut start = BTreeSet::new();
    let paths = serde_json::to_value(&doc.paths).unwrap_or_default();
    refs_in(&paths, &mut start);
    let Some(components) = doc.components.as_mut() else { return };
    let mut keep = BTreeSet::new();
    let mut todo: Vec<String> = start.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !keep.insert(name.clone()) {
            continue;
        }
        if let Some(s) = components.schemas.get(&name) {
            let mut found = BTreeSet::new();
            refs_in(&serde_json::to_value(s).unwrap_or_default(), &mut found);
            todo.extend(found);
        }
    }
    components.schemas.retain(|name, _| keep.contains(name));
}

/// One line per paragraph, and ``[`path`]`` links as plain `` `path` ``.
fn tidy_text(text: &mut String) {
    let paragraphs: Vec<String> =
        text.split("\n\n").map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(" ")).collect();
    *text = paragraphs.join("\n\n").replace("[`", "`").replace("`]", "`");
}

fn tidy_opt(text: &mut Option<String>) {
    if let Some(t) = text {
        tidy_text(t);
    }
}

fn tidy_schema(s: &mut RefOr<Schema>) {
    match s {
        RefOr::Ref(r) => tidy_text(&mut r.description),
        RefOr::T(Schema::Object(o)) => {
            tidy_opt(&mut o.description);
            o.properties.values_mut().for_each(tidy_schema);
            if let Some(AdditionalProperties::RefOr(extra)) = o.additional_properties.as_deref_mut() {
                tidy_schema(extra);
            }
        }
        RefOr::T(Schema::Array(a)) => {
            tidy_opt(&mut a.description);
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                tidy_schema(items);
            }
        }
        RefOr::T(Schema::OneOf(o)) => {
            tidy_opt(&mut o.description);
            o.items.iter_mut().for_each(tidy_schema);
        }
        RefOr::T(Schema::AllOf(o)) => {
            tidy_opt(&mut o.description);
            o.items.iter_mut().for_each(tidy_schema);
        }
        RefOr::T(Schema::AnyOf(o)) => {
            tidy_opt(&mut o.description);
            o.items.iter_mut().for_each(tidy_schema);
        }
        RefOr::T(_) => {}
    }
}

/// Descriptions as a reader of the document wants them (see the module doc). The info
/// description is written for the document and stays as it is.
fn tidy(doc: &mut OpenApi) {
    for (_, op) in operations(doc) {
        tidy_opt(&mut op.summary);
        tidy_opt(&mut op.description);
        for p in op.parameters.iter_mut().flatten() {
            tidy_opt(&mut p.description);
            p.schema.iter_mut().for_each(tidy_schema);
        }
        if let Some(body) = op.request_body.as_mut() {
            tidy_opt(&mut body.description);
            body.content.values_mut().filter_map(|c| c.schema.as_mut()).for_each(tidy_schema);
        }
        for r in op.responses.responses.values_mut() {
            if let RefOr::T(r) = r {
                tidy_text(&mut r.description);
                r.content.values_mut().filter_map(|c| c.schema.as_mut()).for_each(tidy_schema);
            }
        }
    }
    for s in doc.components.iter_mut().flat_map(|c| c.schemas.values_mut()) {
        tidy_schema(s);
    }
}

/// Names of the component schemas a JSON value refers to (`$ref` and discriminator
/// mappings).
fn refs_in(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                match (k.as_str(), child) {
                    ("$ref", Value::String(r)) => {
                        out.extend(r.strip_prefix("#/components/schemas/").map(str::to_string));
                    }
                    ("mapping", Value::Object(targets)) => {
                        for t in targets.values().filter_map(Value::as_str) {
                            out.extend(t.strip_prefix("#/components/schemas/").map(str::to_string));
                        }
                    }
                    _ => refs_in(child, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs_in(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_one_line_a_paragraph() {
        let mut t = "A wrapped\nline, see [`crate::approval`].\n\nNext\n  paragraph.".to_string();
        tidy_text(&mut t);
        assert_eq!(t, "A wrapped line, see `crate::approval`.\n\nNext paragraph.");
    }

    #[test]
    fn pascal_case_of_tag_values() {
        assert_eq!(pascal("pickup_code"), "PickupCode");
        assert_eq!(pascal("AcceptFulfillment"), "AcceptFulfillment");
        assert_eq!(pascal("fulfillment_order"), "FulfillmentOrder");
    }

    #[test]
    fn the_strict_tagged_enums_deny_unknown_fields_and_the_others_do_not() {
        use shared::protocol::{Change, HandOverVerification, Op, OpOutcome};
        let id = "00000000-0000-0000-0000-000000000001";
        let extra = |json: &str| json.replacen('{', r#"{"sneaky":1,"#, 1);
        let op = format!(r#"{{"kind":"StartPick","fulfillment_order_id":"{id}"}}"#);
        assert!(serde_json::from_str::<Op>(&op).is_ok());
        assert!(serde_json::from_str::<Op>(&extra(&op)).is_err());
        let hov = r#"{"method":"pickup_code","code":"1"}"#;
        assert!(serde_json::from_str::<HandOverVerification>(hov).is_ok());
        assert!(serde_json::from_str::<HandOverVerification>(&extra(hov)).is_err());
        assert!(serde_json::from_str::<OpOutcome>(&extra(r#"{"status":"applied"}"#)).is_ok());
        let change = r#"{"entity":"bundle","sku_code":"K","components":[]}"#;
        assert!(serde_json::from_str::<Change>(change).is_ok());
        // Not the enum: the bundle itself denies unknown fields, as its schema says.
        assert!(serde_json::from_str::<Change>(&extra(change)).is_err());
        assert_eq!(STRICT_TAGGED_ENUMS, ["Op", "HandOverVerification"]);
    }
}
