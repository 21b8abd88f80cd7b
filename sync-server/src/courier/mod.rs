//! The courier platforms HQ books with, behind one interface ([`Courier`]): quote, create
//! (idempotent by our booking id), cancel, tracking, and the platform's signed status
//! callbacks parsed and verified. Implementations: [`sf`] (SF Express open platform,
//! express waybills with labels) and [`dada`] (Dada-shaped same-city rider platforms; several
//! may be configured). A carrier the associate books by hand has no platform: its tracking
//! number comes in the `RecordTracking` op (see `service::courier`).
//!
//! Nothing here touches the database: the worker (`service::courier::worker`) reads what a
//! call needs, makes the call outside any transaction, then records the answer.

pub mod config;
pub mod dada;
pub mod sf;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use shared::courier::{
    BookingStatus, CourierBooking, CourierMethod, ExpressService, Parcel, Rider, RiderQuote, ShippingLabel,
};
use shared::node::GeoPoint;
use shared::Fen;
use std::sync::Arc;
use uuid::Uuid;

pub use crate::storage::courier::Coverage;
pub use config::{CourierConfig, CourierConfigError, Secret};

/// A party of a shipment.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// Where (same-city platforms need it).
    pub location: Option<GeoPoint>,
}

/// One kind of goods in a shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Goods {
    /// SKU code.
    pub sku_code: String,
    /// Units.
    pub qty: i64,
}

/// What a booking asks a platform to carry, as the worker reads it before the call.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    /// Our booking id: the platform's order id on our side (SF `orderId`, Dada
    /// `origin_id`), so creating twice creates once.
    pub booking_id: Uuid,
    /// The fulfillment order.
    pub fulfillment_order_id: Uuid,
    /// Our order number, printed as the reference.
    pub reference: String,
    /// The store it leaves from.
    pub store_code: String,
    /// The store as sender.
    pub sender: Party,
    /// The customer.
    pub recipient: Party,
    /// Express service level.
    pub service: ExpressService,
    /// The parcels.
    pub parcels: Vec<Parcel>,
    /// What is in them.
    pub goods: Vec<Goods>,
    /// The goods' value (what the customer paid for them).
    pub goods_value: Fen,
    /// Tip for the rider (same-city).
    pub tip: Fen,
    /// The platform's city code of the store (same-city).
    pub city_code: String,
    /// The pickup code the rider will show at the store (same-city; ours, sent with the
    /// order).
    pub rider_code: Option<String>,
}

impl Shipment {
    /// Total weight in grams.
    pub fn weight_g(&self) -> u32 {
        self.parcels.iter().map(|p| p.weight_g).sum()
    }
}

/// A same-city platform's quote, with what the platform needs to place that quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The quote as the dispatcher compares it.
    pub quote: RiderQuote,
    /// The platform's handle on the quote (Dada `deliveryNo`), if it has one.
    pub handle: Option<String>,
}

/// A platform's answer to a booking.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// The platform's order number (SF: the master waybill).
    pub platform_order_no: String,
    /// Fee quoted or charged.
    pub fee: Fen,
    /// Distance the platform computed.
    pub distance_m: Option<u32>,
    /// Expected pickup (same-city) or delivery.
    pub eta: Option<DateTime<Utc>>,
    /// Each parcel's waybill number, in parcel order (express).
    pub waybills: Vec<String>,
    /// Labels, one per parcel (express).
    pub labels: Vec<ShippingLabel>,
}

/// A platform's answer to a cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled {
    /// Cancellation fee deducted (a rider was already on the way).
    pub penalty: Fen,
}

/// A store to register as a shop with a rider platform.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopToRegister {
    /// The shop number to register it under (the courier file's).
    pub shop_no: String,
    /// The store's name.
    pub name: String,
    /// Its city.
    pub city: String,
    /// Its street address.
    pub address: String,
    /// Where it is.
    pub location: shared::node::GeoPoint,
    /// Who the rider asks for.
    pub contact: String,
    /// Their phone.
    pub phone: String,
}

/// Why a call to a platform did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CourierError {
    /// No answer, a timeout, or an answer we cannot read: try again later.
    #[error("the platform could not be reached: {0}")]
    Unreachable(String),
    /// The platform answered no (its code and words).
    #[error("the platform refused: {code} {message}")]
    Refused {
        /// Its error code.
        code: String,
        /// Its message.
        message: String,
    },
    /// Too late to cancel: the rider or courier already has the parcel.
    #[error("the parcel was already collected: {0}")]
    AlreadyCollected(String),
    /// This platform does not do that (SF gives no same-city quotes).
    #[error("{0}")]
    Unsupported(&'static str),
}

impl CourierError {
    /// Whether trying again later may succeed.
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Unreachable(_))
    }
}

/// One status a platform reported, by callback or in a tracking answer.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// Our booking id, when the platform sends it back (SF `orderid`, Dada `order_id`).
    pub booking_id: Option<Uuid>,
    /// The platform's order number (SF waybill, Dada `client_id`).
    pub platform_order_no: Option<String>,
    /// The platform's own status code, as sent.
    pub platform_status: String,
    /// Our status for it; `None` for a report that moves nothing (SF's intermediate
    /// sorting scans we do not show).
    pub status: Option<BookingStatus>,
    /// Our status for it when the booking is on its way back (SF: a signature then is the
    /// store taking the parcel back).
    pub when_returning: Option<BookingStatus>,
    /// When the platform says it happened.
    pub at: Option<DateTime<Utc>>,
    /// The rider, if the report names one.
    pub rider: Option<Rider>,
    /// The rider's pickup code, if sent.
    pub rider_code: Option<String>,
    /// A cancellation fee the platform deducted.
    pub penalty: Option<Fen>,
    /// The platform's words (cancel reason, failure).
    pub detail: Option<String>,
}

/// Why a callback is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackRefused {
    /// The URL's callback token is wrong or missing.
    #[error("the callback token is wrong")]
    Token,
    /// The platform's signature does not verify.
    #[error("the signature does not verify")]
    Signature,
    /// Not the platform's shape.
    #[error("malformed callback: {0}")]
    Malformed(String),
}

/// A courier platform.
pub trait Courier: Send + Sync {
    /// Its code: `sf_express`, or the rider platform's code from the config.
    fn code(&self) -> &str;
    /// Express or same-city.
    fn method(&self) -> CourierMethod;
    /// Whether HQ has an account for this store here (a monthly card, a registered shop).
    fn serves(&self, store: &str) -> bool;
    /// A quote for the shipment (same-city platforms).
    fn quote<'a>(&'a self, s: &'a Shipment) -> BoxFuture<'a, Result<Quote, CourierError>>;
    /// Books the shipment (with the quote taken, for platforms that quote first). Creating
    /// the same booking id again answers the existing booking.
    fn create<'a>(&'a self, s: &'a Shipment, quote: Option<&'a Quote>) -> BoxFuture<'a, Result<Created, CourierError>>;
    /// Cancels a booking.
    fn cancel<'a>(&'a self, b: &'a CourierBooking, reason: &'a str) -> BoxFuture<'a, Result<Cancelled, CourierError>>;
    /// Where a booking is, as the platform answers a query.
    fn track<'a>(&'a self, b: &'a CourierBooking) -> BoxFuture<'a, Result<Vec<StatusReport>, CourierError>>;
    /// Whether `token` is the callback token in the URL HQ registered (constant time).
    fn callback_token_ok(&self, token: &str) -> bool;
    /// Parses and verifies a callback body (its signature).
    fn parse_callback(&self, body: &[u8]) -> Result<Vec<StatusReport>, CallbackRefused>;
    /// The body the platform expects in answer to a callback: taken, or refused with why
    /// (the handler sends it with 200, or with the refusal's 4xx).
    fn callback_answer(&self, refused: Option<&str>) -> serde_json::Value;
    /// The shop number the courier file gives `store` on this platform (rider platforms).
    fn shop_no(&self, _store: &str) -> Option<String> {
        None
    }
    /// Registers a store as a shop (rider platforms); answers the shop's name there.
    fn register_shop<'a>(&'a self, _shop: &'a ShopToRegister) -> BoxFuture<'a, Result<String, CourierError>> {
        Box::pin(async { Err(CourierError::Unsupported("this platform has no shops to register")) })
    }
}

/// The platforms configured, with the config they came from.
#[derive(Clone, Default)]
pub struct Couriers {
    platforms: Vec<Arc<dyn Courier>>,
    config: Option<Arc<CourierConfig>>,
}

impl std::fmt::Debug for Couriers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Couriers")
            .field("platforms", &self.platforms.iter().map(|p| p.code()).collect::<Vec<_>>())
            .finish()
    }
}

impl Couriers {
    /// No platforms: every express or same-city request waits with `not_configured`.
    pub fn none() -> Couriers {
        Couriers::default()
    }

    /// The platforms of `config`.
    pub fn from_config(config: CourierConfig) -> Result<Couriers, CourierConfigError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout)
            .build()
            .map_err(|e| CourierConfigError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        let config = Arc::new(config);
        let mut platforms: Vec<Arc<dyn Courier>> = Vec::new();
        if let Some(sf) = &config.sf_express {
            platforms.push(Arc::new(sf::SfExpress::new(sf.clone(), http.clone())));
        }
        for r in &config.riders {
            platforms.push(Arc::new(dada::DadaShaped::new(r.clone(), &config.callback_base_url, http.clone())));
        }
        Ok(Couriers { platforms, config: Some(config) })
    }

    /// The platform with this code.
    pub fn by_code(&self, code: &str) -> Option<Arc<dyn Courier>> {
        self.platforms.iter().find(|p| p.code() == code).cloned()
    }

    /// The express platform serving `store`.
    pub fn express_for(&self, store: &str) -> Option<Arc<dyn Courier>> {
        self.platforms.iter().find(|p| p.method() == CourierMethod::Express && p.serves(store)).cloned()
    }

    /// The rider platforms serving `store`.
    pub fn riders_for(&self, store: &str) -> Vec<Arc<dyn Courier>> {
        self.platforms.iter().filter(|p| p.method() == CourierMethod::SameCity && p.serves(store)).cloned().collect()
    }

    /// Who a store sends as (config `[stores.<code>]`).
    pub fn contact(&self, store: &str) -> config::StoreContact {
        self.config.as_ref().and_then(|c| c.stores.get(store).cloned()).unwrap_or_default()
    }

    /// Which stores are served, for the device view.
    pub fn coverage(&self) -> Coverage {
        let mut c = Coverage::default();
        let stores: std::collections::BTreeSet<String> = self
            .config
            .iter()
            .flat_map(|cfg| {
                cfg.sf_express
                    .iter()
                    .flat_map(|s| s.stores.keys().cloned())
                    .chain(cfg.riders.iter().flat_map(|r| r.shops.keys().cloned()))
            })
            .collect();
        for store in stores {
            if self.express_for(&store).is_some() {
                c.express.push(store.clone());
            }
            let riders: Vec<String> = self.riders_for(&store).iter().map(|p| p.code().to_string()).collect();
            if !riders.is_empty() {
                c.same_city.insert(store, riders);
            }
        }
        c
    }

    /// Whether any platform is configured.
    pub fn is_empty(&self) -> bool {
        self.platforms.is_empty()
    }
}
