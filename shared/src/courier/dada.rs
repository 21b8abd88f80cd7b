//! The Dada open platform's wire shapes (达达, `https://newopen.imdada.cn`), the shape of
//! HQ's same-city rider platforms.
//!
//! Why here: HQ's rider clients and callback handler (sync-server) and the courier simulator
//! must speak exactly the same messages, so both use these types and signature functions;
//! they are pure (no I/O) so the shared crate stays wasm-clean. The shapes follow Dada's
//! published API:
//!
//! - Every request is a JSON POST of [`Envelope`]: `app_key`, `timestamp` (Unix seconds as
//!   text), `format` `json`, `v` `1.0`, `source_id` (the merchant), `body` (the endpoint's JSON
//!   *as a string*) and `signature` = upper-case hex MD5 of `app_secret` + every other field
//!   as `key` + `value` in ascending key order + `app_secret` ([`envelope_signature`]).
//! - Every answer is [`Answer`]: `status` (`success` / `fail`), `code` (0 ok), `msg`, `result`.
//! - Endpoints ([`path`]): shop registration ([`ShopAdd`]), quote ([`OrderRequest`] to
//!   `queryDeliverFee`, answer [`FeeResult`] with `deliveryNo`), place the quote
//!   ([`AddAfterQuery`]), place without a quote (`addOrder`) and place again after a cancel or
//!   expiry (`reAddOrder`, same `origin_id`), tip ([`AddTip`]), cancel ([`FormalCancel`],
//!   answer [`CancelResult`] with the `deduct_fee` kept when a rider had accepted), status
//!   ([`StatusQuery`] → [`StatusResult`], with the rider's position).
//! - Dada POSTs [`Callback`] (JSON) to the order's `callback` URL on every status change and
//!   retries until the receiver answers HTTP 200. Its `signature` is the lower-case hex MD5 of
//!   the values of `client_id`, `order_id` and `update_time` sorted ascending and joined
//!   ([`callback_signature`]) — no secret takes part, so receivers also keep a secret token in
//!   the callback URL they give (the server's choice).
//! - `order_status` ([`status`]) maps to our [`BookingStatus`] by [`booking_status`].
//!
//! Money is yuan (a JSON number, e.g. `12.5`) on the wire and integer fen ([`Fen`]) in these
//! types ([`yuan`]); weights are kilograms on the wire and grams here ([`kg`]).
//!
//! Beyond Dada (the simulator's extras, optional and ignored by Dada-strict readers):
//! [`Callback::fetch_code`] (the rider's pickup code; real Dada takes the merchant's
//! `fetch_code` at order time and does not call back with it) and
//! [`Callback::transporter_lat`] / [`Callback::transporter_lng`] (real Dada reports the rider's
//! position only through the status query).

use crate::courier::BookingStatus;
use crate::Fen;
use md5::{Digest, Md5};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The endpoints' paths, after the platform's base URL.
pub mod path {
    /// Register shops.
    pub const SHOP_ADD: &str = "/api/shop/add";
    /// Quote (预发布): answers a `deliveryNo` valid for a few minutes.
    pub const QUERY_DELIVER_FEE: &str = "/api/order/queryDeliverFee";
    /// Place a quoted order by its `deliveryNo`.
    pub const ADD_AFTER_QUERY: &str = "/api/order/addAfterQuery";
    /// Place an order without a quote.
    pub const ADD_ORDER: &str = "/api/order/addOrder";
    /// Place a cancelled or expired order again (same `origin_id`).
    pub const RE_ADD_ORDER: &str = "/api/order/reAddOrder";
    /// Raise the tip of an order still looking for a rider.
    pub const ADD_TIP: &str = "/api/order/addTip";
    /// Cancel an order.
    pub const FORMAL_CANCEL: &str = "/api/order/formalCancel";
    /// An order's status, rider and fees.
    pub const STATUS_QUERY: &str = "/api/order/status/query";
}

/// `order_status` values (callbacks and [`StatusResult::status_code`]).
pub mod status {
    /// 待接单: looking for a rider.
    pub const LOOKING: i64 = 1;
    /// 待取货: a rider accepted and is on the way to the shop.
    pub const ACCEPTED: i64 = 2;
    /// 配送中: picked up, on the way to the customer.
    pub const PICKED_UP: i64 = 3;
    /// 已完成: delivered.
    pub const DELIVERED: i64 = 4;
    /// 已取消: cancelled (by the rider, the merchant or Dada: [`super::Callback::cancel_from`]).
    pub const CANCELLED: i64 = 5;
    /// 已过期: no rider took it in time.
    pub const EXPIRED: i64 = 7;
    /// 指派单 / 已追加待接单: assigned or re-added, waiting for a rider.
    pub const ASSIGNED: i64 = 8;
    /// 妥投异常之物品返回中: delivery failed, coming back to the shop.
    pub const RETURNING: i64 = 9;
    /// 妥投异常之物品返回完成: back at the shop.
    pub const RETURNED: i64 = 10;
    /// 骑士到店: the rider is at the shop.
    pub const AT_SHOP: i64 = 100;
    /// 创建达达运单失败: Dada could not create the order.
    pub const CREATE_FAILED: i64 = 1000;
}

/// `cancel_from`: nobody cancelled.
pub const CANCEL_FROM_NONE: i64 = 0;
/// `cancel_from`: the rider cancelled.
pub const CANCEL_FROM_RIDER: i64 = 1;
/// `cancel_from`: the merchant cancelled.
pub const CANCEL_FROM_MERCHANT: i64 = 2;
/// `cancel_from`: Dada's system or service desk cancelled.
pub const CANCEL_FROM_SYSTEM: i64 = 3;

/// `code` of a successful call.
pub const CODE_OK: i64 = 0;
/// `code`: the signature does not match.
pub const CODE_SIGNATURE: i64 = 2003;
/// `code`: unknown `app_key`.
pub const CODE_APP_KEY: i64 = 2002;
/// `code`: `source_id` is not a merchant of this app.
pub const CODE_SOURCE_ID: i64 = 2004;
/// `code`: a parameter is missing or invalid.
pub const CODE_PARAMETER: i64 = 2005;
/// `code`: unknown shop number.
pub const CODE_SHOP_UNKNOWN: i64 = 2076;
/// `code`: unknown order.
pub const CODE_ORDER_UNKNOWN: i64 = 2063;
/// `code`: the order's status does not allow this (cancel after pickup, tip after accept…).
pub const CODE_STATUS: i64 = 2075;
/// `code`: the quote (`deliveryNo`) is unknown or expired.
pub const CODE_QUOTE_EXPIRED: i64 = 2062;
/// `code`: an order with this `origin_id` exists already.
pub const CODE_ORDER_EXISTS: i64 = 2105;
/// `code`: Dada failed.
pub const CODE_SYSTEM: i64 = 1;

/// What went wrong reading or checking a Dada message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DadaError {
    /// The envelope's or callback's signature does not match.
    #[error("the Dada signature does not match")]
    SignatureMismatch,
    /// The envelope is not for this app.
    #[error("the Dada request is for another app")]
    WrongAppKey,
    /// The body, answer or callback is not the JSON its endpoint expects.
    #[error("Dada message is not valid JSON for its endpoint: {0}")]
    Json(String),
    /// Dada answered `fail`.
    #[error("Dada could not do it: {code} {msg}")]
    Failed {
        /// Dada's code.
        code: i64,
        /// Dada's message.
        msg: String,
    },
    /// A success without the `result` the endpoint answers.
    #[error("Dada answered success without a result")]
    NoResult,
    /// An amount that is not a whole number of fen, negative or too large.
    #[error("{0} is not an amount in yuan")]
    Amount(String),
}

fn json_err(e: serde_json::Error) -> DadaError {
    DadaError::Json(e.to_string())
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()).as_slice())
}

fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Dada's request signature: upper-case hex MD5 of `app_secret` + `key value` pairs (every
/// field but `signature`, keys ascending, no separators) + `app_secret`.
pub fn envelope_signature(app_secret: &str, fields: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = fields.iter().filter(|(k, _)| *k != "signature").collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut text = String::from(app_secret);
    for (k, v) in sorted {
        text.push_str(k);
        text.push_str(v);
    }
    text.push_str(app_secret);
    md5_hex(&text).to_ascii_uppercase()
}

/// A request to any endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The developer's app.
    pub app_key: String,
    /// Unix seconds, as text.
    pub timestamp: String,
    /// `json`.
    pub format: String,
    /// `1.0`.
    pub v: String,
    /// The merchant (商户编号).
    pub source_id: String,
    /// The endpoint's message as JSON text (empty for none).
    pub body: String,
    /// [`envelope_signature`] of the other fields.
    pub signature: String,
}

impl Envelope {
    /// A signed envelope carrying `body`.
    pub fn signed<T: Serialize>(
        app_key: &str,
        app_secret: &str,
        source_id: &str,
        now: chrono::DateTime<chrono::Utc>,
        body: &T,
    ) -> Result<Self, DadaError> {
        let mut e = Envelope {
            app_key: app_key.into(),
            timestamp: now.timestamp().to_string(),
            format: "json".into(),
            v: "1.0".into(),
            source_id: source_id.into(),
            body: serde_json::to_string(body).map_err(json_err)?,
            signature: String::new(),
        };
        e.signature = e.expected_signature(app_secret);
        Ok(e)
    }

    fn expected_signature(&self, app_secret: &str) -> String {
        envelope_signature(
            app_secret,
            &[
                ("app_key", &self.app_key),
                ("body", &self.body),
                ("format", &self.format),
                ("source_id", &self.source_id),
                ("timestamp", &self.timestamp),
                ("v", &self.v),
            ],
        )
    }

    /// Checks the signature under the app's secret (constant time; hex case ignored).
    pub fn verify(&self, app_secret: &str) -> Result<(), DadaError> {
        if ct_eq(&self.expected_signature(app_secret), &self.signature.to_ascii_uppercase()) {
            Ok(())
        } else {
            Err(DadaError::SignatureMismatch)
        }
    }

    /// The body, read as the endpoint's type.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, DadaError> {
        serde_json::from_str(&self.body).map_err(json_err)
    }
}

/// Every endpoint's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer<T> {
    /// `success` or `fail`.
    pub status: String,
    /// [`CODE_OK`] or Dada's error code.
    pub code: i64,
    /// `成功` or why not.
    #[serde(default)]
    pub msg: String,
    /// The endpoint's result (absent or null for some endpoints and on failure).
    #[serde(default = "none")]
    pub result: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

impl<T> Answer<T> {
    /// A success with `result`.
    pub fn success(result: T) -> Self {
        Answer { status: "success".into(), code: CODE_OK, msg: "成功".into(), result: Some(result) }
    }

    /// A failure.
    pub fn fail(code: i64, msg: &str) -> Self {
        Answer { status: "fail".into(), code, msg: msg.into(), result: None }
    }

    /// Whether it succeeded.
    pub fn is_success(&self) -> bool {
        self.status == "success" && self.code == CODE_OK
    }

    /// The result, or the failure as an error.
    pub fn into_result(self) -> Result<T, DadaError> {
        if !self.is_success() {
            return Err(DadaError::Failed { code: self.code, msg: self.msg });
        }
        self.result.ok_or(DadaError::NoResult)
    }

    /// Success or the failure as an error, for endpoints whose result is null.
    pub fn into_unit(self) -> Result<(), DadaError> {
        if self.is_success() {
            Ok(())
        } else {
            Err(DadaError::Failed { code: self.code, msg: self.msg })
        }
    }
}

impl Answer<()> {
    /// A success without a result (`result: null`).
    pub fn done() -> Self {
        Answer { status: "success".into(), code: CODE_OK, msg: "成功".into(), result: None }
    }
}

/// Fen as a yuan amount (exact: the nearest f64 to the two-decimal value, which JSON writes
/// as that decimal).
pub fn fen_to_yuan(fen: Fen) -> f64 {
    // Amounts here are far below 2^53 fen, so the conversion is exact.
    fen.0 as f64 / 100.0
}

/// A yuan amount as fen: refused unless it is a whole number of fen (to a millionth of a fen,
/// absorbing binary representation), not negative and below 10^13 fen.
pub fn yuan_to_fen(yuan: f64) -> Result<Fen, DadaError> {
    let fen = yuan * 100.0;
    let rounded = fen.round();
    if !fen.is_finite() || !(0.0..1e13).contains(&rounded) || (fen - rounded).abs() > 1e-6 {
        return Err(DadaError::Amount(yuan.to_string()));
    }
    // In range and whole, so the cast is exact.
    Ok(Fen(rounded as i64))
}

/// A yuan amount written as text (`"12.30"`, as the status query answers some fees) as fen,
/// decimally, without floats.
pub fn parse_yuan(text: &str) -> Result<Fen, DadaError> {
    let bad = || DadaError::Amount(text.into());
    let t = text.trim();
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() || whole.len() > 11 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 2 && !frac[2..].bytes().all(|b| b == b'0') || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut cents = frac.bytes().take(2).map(|b| i64::from(b - b'0')).collect::<Vec<_>>();
    cents.resize(2, 0);
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    Ok(Fen(whole * 100 + cents[0] * 10 + cents[1]))
}

/// Amounts: [`Fen`] in our types, yuan on Dada's wire (a number; text is read too).
pub mod yuan {
    use super::{fen_to_yuan, parse_yuan, yuan_to_fen};
    use crate::Fen;
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Number(f64),
        Text(String),
    }

    pub(super) fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Fen, D::Error> {
        match Wire::deserialize(d)? {
            Wire::Number(v) => yuan_to_fen(v),
            Wire::Text(t) if t.trim().is_empty() => Ok(Fen::ZERO),
            Wire::Text(t) => parse_yuan(&t),
        }
        .map_err(serde::de::Error::custom)
    }

    /// Writes fen as yuan.
    pub fn serialize<S: Serializer>(fen: &Fen, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(fen_to_yuan(*fen))
    }

    /// Reads yuan (a number or text) as fen.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fen, D::Error> {
        read(d)
    }

    /// The same for optional amounts.
    pub mod option {
        use crate::Fen;
        use serde::{Deserialize, Deserializer, Serializer};

        #[derive(Deserialize)]
        struct Wrap(#[serde(deserialize_with = "super::read")] Fen);

        /// Writes fen as yuan, or null.
        pub fn serialize<S: Serializer>(fen: &Option<Fen>, s: S) -> Result<S::Ok, S::Error> {
            match fen {
                Some(f) => super::serialize(f, s),
                None => s.serialize_none(),
            }
        }

        /// Reads yuan, or null, as fen.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Fen>, D::Error> {
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// Weights: grams in our types, kilograms (a JSON number) on Dada's wire.
pub use super::sf::kg;

/// A shop to register (`/api/shop/add` takes a JSON array of these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShopAdd {
    /// Shop name.
    pub station_name: String,
    /// Business type (Dada's code; 5 is retail).
    pub business: u32,
    /// City name (上海).
    pub city_name: String,
    /// District name.
    pub area_name: String,
    /// Address.
    pub station_address: String,
    /// Longitude.
    pub lng: f64,
    /// Latitude.
    pub lat: f64,
    /// Contact.
    pub contact_name: String,
    /// Contact phone.
    pub phone: String,
    /// The shop number to use (our store code); Dada makes one up if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_shop_id: Option<String>,
}

/// `/api/shop/add`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopAddResult {
    /// Shops registered.
    pub success: u32,
    /// The registered shops.
    #[serde(rename = "successList", default)]
    pub success_list: Vec<ShopAdded>,
    /// The refused shops.
    #[serde(rename = "failedList", default)]
    pub failed_list: Vec<ShopRefused>,
}

/// A registered shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopAdded {
    /// Its shop number (`shop_no` of orders).
    #[serde(rename = "originShopId")]
    pub origin_shop_id: String,
    /// Its name.
    #[serde(rename = "stationName")]
    pub station_name: String,
}

/// A refused shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopRefused {
    /// Shop number asked for.
    #[serde(rename = "shopNo", default)]
    pub shop_no: String,
    /// Why.
    pub msg: String,
    /// Shop name.
    #[serde(rename = "shopName", default)]
    pub shop_name: String,
}

/// An order: the body of `queryDeliverFee` (quote), `addOrder` and `reAddOrder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    /// The registered shop (门店编号).
    pub shop_no: String,
    /// Our order id (idempotency: one live order per `origin_id`); callbacks name it `order_id`.
    pub origin_id: String,
    /// City code (021 Shanghai, 010 Beijing…).
    pub city_code: String,
    /// Goods value (fen here, yuan on the wire).
    #[serde(with = "yuan")]
    pub cargo_price: Fen,
    /// 0: the merchant settles with Dada; 1: the rider collects the fee (always 0 here).
    #[serde(default)]
    pub is_prepay: u32,
    /// Recipient's name.
    pub receiver_name: String,
    /// Recipient's address.
    pub receiver_address: String,
    /// Recipient's latitude (GCJ-02 on the real platform).
    pub receiver_lat: f64,
    /// Recipient's longitude.
    pub receiver_lng: f64,
    /// Recipient's mobile.
    pub receiver_phone: String,
    /// Where Dada POSTs this order's [`Callback`]s.
    pub callback: String,
    /// Weight in grams (kg on the wire).
    #[serde(with = "kg")]
    pub cargo_weight: u32,
    /// Tip (fen here, yuan on the wire).
    #[serde(with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub tips: Option<Fen>,
    /// Note for the rider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
    /// Number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo_num: Option<u32>,
    /// Short order mark shown in the rider's app (#M001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin_mark_no: Option<String>,
    /// 1: the rider needs the customer's finish code to complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_finish_code_needed: Option<u32>,
    /// The pickup code (取货码) the rider shows at the shop; the merchant chooses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch_code: Option<String>,
}

/// The result of a quote (`queryDeliverFee`) or a placed order (`addOrder`, `reAddOrder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeResult {
    /// Distance in metres.
    #[serde(deserialize_with = "metres")]
    pub distance: u32,
    /// The quote's number, for `addAfterQuery` (quotes only).
    #[serde(rename = "deliveryNo", default, skip_serializing_if = "Option::is_none")]
    pub delivery_no: Option<String>,
    /// What the merchant pays: delivery fee less coupons, plus tip and insurance.
    #[serde(with = "yuan")]
    pub fee: Fen,
    /// The delivery fee.
    #[serde(rename = "deliverFee", with = "yuan")]
    pub deliver_fee: Fen,
    /// The tip.
    #[serde(with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub tips: Option<Fen>,
    /// Insurance.
    #[serde(rename = "insuranceFee", with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub insurance_fee: Option<Fen>,
    /// Coupons.
    #[serde(rename = "couponFee", with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub coupon_fee: Option<Fen>,
    /// Simulator extra: minutes until a rider is expected at the shop (Dada does not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_minutes: Option<u32>,
}

fn metres<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let m = f64::deserialize(d)?.round();
    // In range, so the cast is exact.
    if (0.0..=f64::from(u32::MAX)).contains(&m) {
        Ok(m as u32)
    } else {
        Err(serde::de::Error::custom("distance out of range"))
    }
}

/// `addAfterQuery`'s body: place the quoted order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAfterQuery {
    /// [`FeeResult::delivery_no`] of the quote.
    #[serde(rename = "deliveryNo")]
    pub delivery_no: String,
}

/// `addTip`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddTip {
    /// Our order id (`origin_id`).
    pub order_id: String,
    /// The order's whole tip after the raise (fen here, yuan on the wire).
    #[serde(with = "yuan")]
    pub tips: Fen,
    /// City code.
    pub city_code: String,
    /// Note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<String>,
}

/// `cancel_reason_id`: no rider took the order.
pub const CANCEL_REASON_NO_RIDER: u32 = 1;
/// `cancel_reason_id`: the customer cancelled.
pub const CANCEL_REASON_CUSTOMER: u32 = 4;
/// `cancel_reason_id`: delivery no longer needed.
pub const CANCEL_REASON_NOT_NEEDED: u32 = 36;
/// `cancel_reason_id`: other (say why in `cancel_reason`).
pub const CANCEL_REASON_OTHER: u32 = 10000;

/// `formalCancel`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormalCancel {
    /// Our order id (`origin_id`).
    pub order_id: String,
    /// Dada's reason code ([`CANCEL_REASON_OTHER`]…).
    pub cancel_reason_id: u32,
    /// Why, in words (required with [`CANCEL_REASON_OTHER`]).
    #[serde(default)]
    pub cancel_reason: String,
}

/// `formalCancel`'s result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResult {
    /// What Dada keeps as a penalty (fen here, yuan on the wire): charged when a rider had
    /// accepted.
    #[serde(with = "yuan")]
    pub deduct_fee: Fen,
}

/// `status/query`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusQuery {
    /// Our order id (`origin_id`).
    pub order_id: String,
}

/// `status/query`'s result (a subset of Dada's fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResult {
    /// Our order id.
    pub order_id: String,
    /// [`status`] code.
    pub status_code: i64,
    /// The status in words.
    #[serde(default)]
    pub status_msg: String,
    /// Rider's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transporter_name: Option<String>,
    /// Rider's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transporter_phone: Option<String>,
    /// Rider's longitude (text, as Dada sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transporter_lng: Option<String>,
    /// Rider's latitude (text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transporter_lat: Option<String>,
    /// Delivery fee.
    #[serde(with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub delivery_fee: Option<Fen>,
    /// Tip.
    #[serde(with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub tips: Option<Fen>,
    /// What the merchant pays in the end.
    #[serde(with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub actual_fee: Option<Fen>,
    /// Penalty kept on a cancel.
    #[serde(with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub deduct_fee: Option<Fen>,
    /// Distance in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<f64>,
    /// The customer's finish code (收货码).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_finish_code: Option<String>,
    /// Created (`YYYY-MM-DD HH:MM:SS`, Beijing time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// Accepted by a rider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_time: Option<String>,
    /// Picked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch_time: Option<String>,
    /// Delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<String>,
    /// Cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_time: Option<String>,
}

impl StatusResult {
    /// The rider's position, when Dada gave one that parses.
    pub fn rider_position(&self) -> Option<crate::node::GeoPoint> {
        let lat = self.transporter_lat.as_deref()?.trim().parse().ok()?;
        let lon = self.transporter_lng.as_deref()?.trim().parse().ok()?;
        Some(crate::node::GeoPoint { lat, lon }).filter(crate::node::GeoPoint::is_valid)
    }
}

/// A status callback, as Dada POSTs it to the order's `callback` URL (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Callback {
    /// Dada's order number (达达运单号; empty when creation failed).
    #[serde(default)]
    pub client_id: String,
    /// Our order id (`origin_id`).
    pub order_id: String,
    /// [`status`] code.
    pub order_status: i64,
    /// Why a status repeats (1 a new rider assigned, 2 the rider handed it over).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_reason_type: Option<i64>,
    /// Why it was cancelled (empty otherwise).
    #[serde(default)]
    pub cancel_reason: String,
    /// Who cancelled: [`CANCEL_FROM_RIDER`], [`CANCEL_FROM_MERCHANT`], [`CANCEL_FROM_SYSTEM`]
    /// or [`CANCEL_FROM_NONE`].
    #[serde(default)]
    pub cancel_from: i64,
    /// Unix seconds (milliseconds for [`status::CREATE_FAILED`]).
    pub update_time: i64,
    /// [`callback_signature`].
    pub signature: String,
    /// Rider id (from acceptance on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm_id: Option<i64>,
    /// Rider's name (from acceptance on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm_name: Option<String>,
    /// Rider's mobile (from acceptance on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm_mobile: Option<String>,
    /// The customer's finish code (收货码), when the order needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_code: Option<String>,
    /// Simulator extra: the rider's pickup code (the order's `fetch_code`, or one the
    /// simulator chose). Real Dada does not call back with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch_code: Option<String>,
    /// Simulator extra: the rider's latitude. Real Dada: only in the status query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transporter_lat: Option<f64>,
    /// Simulator extra: the rider's longitude.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transporter_lng: Option<f64>,
    /// Simulator extra: the penalty Dada keeps when the merchant cancels after acceptance.
    #[serde(with = "yuan::option", default, skip_serializing_if = "Option::is_none")]
    pub deduct_fee: Option<Fen>,
}

/// Dada's callback signature: lower-case hex MD5 of the three values sorted ascending and
/// joined.
pub fn callback_signature(client_id: &str, order_id: &str, update_time: i64) -> String {
    let time = update_time.to_string();
    let mut values = [client_id, order_id, time.as_str()];
    values.sort_unstable();
    md5_hex(&values.concat())
}

impl Callback {
    /// Sets [`Callback::signature`] from the signed fields.
    pub fn sign(&mut self) {
        self.signature = callback_signature(&self.client_id, &self.order_id, self.update_time);
    }

    /// Checks the signature (constant time; hex case ignored).
    pub fn verify(&self) -> Result<(), DadaError> {
        let want = callback_signature(&self.client_id, &self.order_id, self.update_time);
        if ct_eq(&want, &self.signature.to_ascii_lowercase()) {
            Ok(())
        } else {
            Err(DadaError::SignatureMismatch)
        }
    }

    /// Reads a callback body.
    pub fn parse(body: &[u8]) -> Result<Self, DadaError> {
        serde_json::from_slice(body).map_err(json_err)
    }

    /// The rider's position, when the callback carries one (simulator extra).
    pub fn rider_position(&self) -> Option<crate::node::GeoPoint> {
        Some(crate::node::GeoPoint { lat: self.transporter_lat?, lon: self.transporter_lng? })
            .filter(crate::node::GeoPoint::is_valid)
    }
}

/// The booking status a Dada `order_status` reports, if it is one Dada documents.
pub fn booking_status(order_status: i64) -> Option<BookingStatus> {
    use BookingStatus as B;
    Some(match order_status {
        status::LOOKING | status::ASSIGNED => B::Dispatching,
        status::ACCEPTED => B::Accepted,
        status::AT_SHOP => B::Arrived,
        status::PICKED_UP => B::Collected,
        status::DELIVERED => B::Delivered,
        status::CANCELLED => B::Cancelled,
        status::EXPIRED => B::Expired,
        status::RETURNING => B::Returning,
        status::RETURNED => B::Returned,
        status::CREATE_FAILED => B::Failed,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn the_envelope_signature_is_dadas() {
        // Vector computed once with Python: md5(secret + "".join(k+v for sorted items) + secret),
        // upper-cased.
        let now = DateTime::from_timestamp(1_764_612_000, 0).unwrap();
        let e = Envelope::signed("dada-key", "s3cret", "73753", now, &StatusQuery { order_id: "FO-1".into() }).unwrap();
        assert_eq!(e.body, r#"{"order_id":"FO-1"}"#);
        assert_eq!(e.timestamp, "1764612000");
        assert_eq!(e.signature, "49B1B0A4E2D1D358CE83782BE76AFD28");
        assert_eq!(e.verify("s3cret"), Ok(()));
        assert_eq!(e.verify("other"), Err(DadaError::SignatureMismatch));
        let mut lower = e.clone();
        lower.signature = lower.signature.to_ascii_lowercase();
        assert_eq!(lower.verify("s3cret"), Ok(()));
        let mut tampered = e.clone();
        tampered.body = r#"{"order_id":"FO-2"}"#.into();
        assert_eq!(tampered.verify("s3cret"), Err(DadaError::SignatureMismatch));
        let wire: Envelope = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(wire, e);
        assert_eq!(wire.body::<StatusQuery>().unwrap().order_id, "FO-1");
    }

    #[test]
    fn the_callback_signature_is_dadas() {
        // Python: md5("".join(sorted(["dada-9", "FO-1", "1764612000"])))
        assert_eq!(callback_signature("dada-9", "FO-1", 1_764_612_000), "15271d556c466b3bbaee44f2919fe3da");
        let body = r#"{"client_id":"dada-9","order_id":"FO-1","order_status":2,"cancel_reason":"","cancel_from":0,"update_time":1764612000,"signature":"15271d556c466b3bbaee44f2919fe3da","dm_id":7,"dm_name":"王师傅","dm_mobile":"13900001111"}"#;
        let cb = Callback::parse(body.as_bytes()).unwrap();
        assert_eq!(cb.verify(), Ok(()));
        assert_eq!(cb.dm_name.as_deref(), Some("王师傅"));
        assert_eq!(cb.rider_position(), None);
        let mut forged = cb.clone();
        forged.order_id = "FO-2".into();
        assert_eq!(forged.verify(), Err(DadaError::SignatureMismatch));
        forged.sign();
        assert_eq!(forged.verify(), Ok(()));
        let mut extra = cb.clone();
        extra.fetch_code = Some("4821".into());
        extra.transporter_lat = Some(31.23);
        extra.transporter_lng = Some(121.47);
        extra.deduct_fee = Some(Fen(200));
        let json = serde_json::to_value(&extra).unwrap();
        assert_eq!(json["deduct_fee"], 2.0);
        let back: Callback = serde_json::from_value(json).unwrap();
        assert_eq!(back, extra);
        assert_eq!(back.rider_position().unwrap().lat, 31.23);
        assert!(Callback::parse(b"{\"order_id\":1}").is_err());
    }

    #[test]
    fn order_statuses_map_to_booking_statuses() {
        use BookingStatus as B;
        for (code, want) in [
            (1, Some(B::Dispatching)),
            (8, Some(B::Dispatching)),
            (2, Some(B::Accepted)),
            (100, Some(B::Arrived)),
            (3, Some(B::Collected)),
            (4, Some(B::Delivered)),
            (5, Some(B::Cancelled)),
            (7, Some(B::Expired)),
            (9, Some(B::Returning)),
            (10, Some(B::Returned)),
            (1000, Some(B::Failed)),
            (6, None),
            (-1, None),
        ] {
            assert_eq!(booking_status(code), want, "{code}");
        }
    }

    #[test]
    fn money_is_integer_fen_and_does_not_drift() {
        for fen in [0, 1, 10, 99, 100, 1230, 1999, 123_456_789, 9_999_999_999] {
            let y = fen_to_yuan(Fen(fen));
            assert_eq!(yuan_to_fen(y), Ok(Fen(fen)), "{fen}");
            let text = serde_json::to_string(&CancelResult { deduct_fee: Fen(fen) }).unwrap();
            assert_eq!(serde_json::from_str::<CancelResult>(&text).unwrap().deduct_fee, Fen(fen), "{text}");
        }
        assert_eq!(serde_json::to_string(&CancelResult { deduct_fee: Fen(1230) }).unwrap(), r#"{"deduct_fee":12.3}"#);
        // 0.1 + 0.2 is not 0.3 in binary, but it is 30 fen.
        assert_eq!(yuan_to_fen(0.1 + 0.2), Ok(Fen(30)));
        assert!(yuan_to_fen(0.001).is_err(), "a tenth of a fen");
        assert!(yuan_to_fen(-1.0).is_err());
        assert!(yuan_to_fen(f64::NAN).is_err());
        assert_eq!(parse_yuan("12.30"), Ok(Fen(1230)));
        assert_eq!(parse_yuan("12.3"), Ok(Fen(1230)));
        assert_eq!(parse_yuan("7"), Ok(Fen(700)));
        assert_eq!(parse_yuan("0.050"), Ok(Fen(5)));
        for bad in ["", "1.234", "-1", "1e3", "a.b", ".5"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
        let s: StatusResult =
            serde_json::from_str(r#"{"orderId":"FO-1","statusCode":2,"deliveryFee":"8.50","transporterLat":"31.2","transporterLng":"121.4"}"#)
                .unwrap();
        assert_eq!(s.delivery_fee, Some(Fen(850)));
        assert_eq!(s.rider_position().unwrap().lon, 121.4);
    }

    fn order() -> OrderRequest {
        OrderRequest {
            shop_no: "S-001".into(),
            origin_id: "FO-1".into(),
            city_code: "021".into(),
            cargo_price: Fen(25_900),
            is_prepay: 0,
            receiver_name: "张三".into(),
            receiver_address: "上海市黄浦区南京东路 1 号".into(),
            receiver_lat: 31.2397,
            receiver_lng: 121.4998,
            receiver_phone: "13800138000".into(),
            callback: "http://127.0.0.1:1/cb/tok".into(),
            cargo_weight: 1500,
            tips: Some(Fen(200)),
            info: None,
            cargo_num: Some(2),
            origin_mark_no: None,
            is_finish_code_needed: None,
            fetch_code: Some("4821".into()),
        }
    }

    #[test]
    fn every_message_round_trips() {
        let o = order();
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["cargo_price"], 259.0);
        assert_eq!(json["cargo_weight"], 1.5);
        assert_eq!(json["tips"], 2.0);
        assert!(json.get("info").is_none());
        assert_eq!(serde_json::from_value::<OrderRequest>(json).unwrap(), o);

        let fee = FeeResult {
            distance: 3200,
            delivery_no: Some("Dada-Q-1".into()),
            fee: Fen(1050),
            deliver_fee: Fen(850),
            tips: Some(Fen(200)),
            insurance_fee: None,
            coupon_fee: None,
            pickup_minutes: Some(12),
        };
        let wire = serde_json::to_string(&Answer::success(fee.clone())).unwrap();
        assert!(wire.contains(r#""deliveryNo":"Dada-Q-1""#) && wire.contains(r#""deliverFee":8.5"#), "{wire}");
        assert_eq!(serde_json::from_str::<Answer<FeeResult>>(&wire).unwrap().into_result().unwrap(), fee);
        // Dada's own shape: distance as a float, fees as floats, no simulator extras.
        let dada = r#"{"status":"success","code":0,"msg":"成功","result":{"distance":3212.0,"fee":10.5,"deliverFee":8.5,"deliveryNo":"X","insuranceFee":0.0,"tips":2.0,"expiredTime":1764612180}}"#;
        let got = serde_json::from_str::<Answer<FeeResult>>(dada).unwrap().into_result().unwrap();
        assert_eq!((got.distance, got.fee, got.pickup_minutes), (3212, Fen(1050), None));

        let q = AddAfterQuery { delivery_no: "X".into() };
        assert_eq!(serde_json::to_string(&q).unwrap(), r#"{"deliveryNo":"X"}"#);
        let tip = AddTip { order_id: "FO-1".into(), tips: Fen(400), city_code: "021".into(), info: None };
        assert_eq!(serde_json::from_value::<AddTip>(serde_json::to_value(&tip).unwrap()).unwrap(), tip);
        let cancel = FormalCancel {
            order_id: "FO-1".into(),
            cancel_reason_id: CANCEL_REASON_CUSTOMER,
            cancel_reason: String::new(),
        };
        assert_eq!(serde_json::from_value::<FormalCancel>(serde_json::to_value(&cancel).unwrap()).unwrap(), cancel);
        let shop = ShopAdd {
            station_name: "南京东路店".into(),
            business: 5,
            city_name: "上海".into(),
            area_name: "黄浦区".into(),
            station_address: "南京东路 100 号".into(),
            lng: 121.48,
            lat: 31.24,
            contact_name: "店长".into(),
            phone: "02112345678".into(),
            origin_shop_id: Some("S-001".into()),
        };
        assert_eq!(serde_json::from_value::<ShopAdd>(serde_json::to_value(&shop).unwrap()).unwrap(), shop);
        let added = ShopAddResult {
            success: 1,
            success_list: vec![ShopAdded { origin_shop_id: "S-001".into(), station_name: "南京东路店".into() }],
            failed_list: vec![],
        };
        assert_eq!(serde_json::from_value::<ShopAddResult>(serde_json::to_value(&added).unwrap()).unwrap(), added);
        let status = StatusResult {
            order_id: "FO-1".into(),
            status_code: status::ACCEPTED,
            status_msg: "待取货".into(),
            transporter_name: Some("王师傅".into()),
            transporter_phone: Some("13900001111".into()),
            transporter_lng: Some("121.47".into()),
            transporter_lat: Some("31.23".into()),
            delivery_fee: Some(Fen(850)),
            tips: None,
            actual_fee: None,
            deduct_fee: None,
            distance: Some(3200.0),
            order_finish_code: None,
            create_time: None,
            accept_time: None,
            fetch_time: None,
            finish_time: None,
            cancel_time: None,
        };
        assert_eq!(serde_json::from_value::<StatusResult>(serde_json::to_value(&status).unwrap()).unwrap(), status);
    }

    #[test]
    fn answers_come_out_typed() {
        let fail: Answer<CancelResult> =
            serde_json::from_str(r#"{"status":"fail","code":2003,"msg":"签名错误"}"#).unwrap();
        assert_eq!(fail.into_result(), Err(DadaError::Failed { code: CODE_SIGNATURE, msg: "签名错误".into() }));
        let done: Answer<serde_json::Value> =
            serde_json::from_str(r#"{"status":"success","code":0,"msg":"成功","result":null}"#).unwrap();
        assert_eq!(done.clone().into_unit(), Ok(()));
        assert_eq!(done.into_result(), Err(DadaError::NoResult));
        assert_eq!(
            serde_json::to_string(&Answer::done()).unwrap(),
            r#"{"status":"success","code":0,"msg":"成功","result":null}"#
        );
    }
}
