//! Dada-shaped same-city rider platforms (达达 open platform, the shape several Chinese rider
//! platforms share): quote (`queryDeliverFee`) then place the quote (`addAfterQuery`), each
//! store registered as a shop (`shop_no` from the config), the customer with coordinates,
//! the goods' value and weight, a tip, and the callback URL with HQ's secret token in it
//! (Dada's callback signature takes no secret). `origin_id` is our booking id, so placing
//! the same booking twice is refused by the platform as a duplicate, never booked twice;
//! the pickup code (`fetch_code`) is ours, chosen at booking and shown to the store. Wire
//! shapes and the signature: `shared::courier::dada`.

use super::config::RiderConfig;
use super::{CallbackRefused, Cancelled, Courier, CourierError, Created, Quote, Shipment, StatusReport};
use futures_util::future::BoxFuture;
use shared::courier::dada::{self as wire, Answer, DadaError, Envelope};
use shared::courier::{CourierBooking, CourierMethod, Rider, RiderQuote};
use shared::Fen;

/// A Dada-shaped platform's client.
pub struct DadaShaped {
    config: RiderConfig,
    callback_url: String,
    http: reqwest::Client,
}

impl DadaShaped {
    /// A client for this account; callbacks go to this server at `callback_base_url`.
    pub fn new(config: RiderConfig, callback_base_url: &str, http: reqwest::Client) -> Self {
        let callback_url = format!(
            "{callback_base_url}/api/v1/couriers/{}/callback?token={}",
            config.code,
            config.callback_token.expose()
        );
        DadaShaped { config, callback_url, http }
    }

    async fn call<T: serde::Serialize + Sync, A: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &T,
    ) -> Result<Answer<A>, CourierError> {
        let envelope = Envelope::signed(
            &self.config.app_key,
            self.config.app_secret.expose(),
            &self.config.source_id,
            crate::clock::now(),
            body,
        )
        .map_err(|e| CourierError::Unreachable(e.to_string()))?;
        let resp = self
            .http
            .post(format!("{}{path}", self.config.base_url))
            .json(&envelope)
            .send()
            .await
            .map_err(|e| CourierError::Unreachable(format!("{} {path}: {}", self.config.code, e.without_url())))?;
        let status = resp.status();
        resp.json::<Answer<A>>().await.map_err(|e| {
            CourierError::Unreachable(format!("{} {path} answered {status}: {}", self.config.code, e.without_url()))
        })
    }

    fn order_request(&self, s: &Shipment) -> Result<wire::OrderRequest, CourierError> {
        let shop_no = self.config.shops.get(&s.store_code).cloned().ok_or_else(|| CourierError::Refused {
            code: "no_shop".into(),
            message: format!("{} has no shop registered for {}", self.config.code, s.store_code),
        })?;
        let to = s.recipient.location.ok_or_else(|| CourierError::Refused {
            code: "no_location".into(),
            message: "the customer's address has no coordinates; a rider cannot be booked".into(),
        })?;
        Ok(wire::OrderRequest {
            shop_no,
            origin_id: s.booking_id.to_string(),
            city_code: s.city_code.clone(),
            cargo_price: s.goods_value,
            is_prepay: 0,
            receiver_name: s.recipient.name.clone(),
            receiver_address: s.recipient.address.clone(),
            receiver_lat: to.lat,
            receiver_lng: to.lon,
            receiver_phone: s.recipient.phone.clone(),
            callback: self.callback_url.clone(),
            cargo_weight: s.weight_g().max(1),
            tips: (s.tip.0 > 0).then_some(s.tip),
            info: Some(s.reference.clone()),
            cargo_num: Some(s.goods.iter().map(|g| g.qty.clamp(0, i64::from(u32::MAX)) as u32).sum()),
            origin_mark_no: Some(s.reference.clone()),
            is_finish_code_needed: None,
            fetch_code: s.rider_code.clone(),
        })
    }
}

fn refused(e: DadaError) -> CourierError {
    match e {
        DadaError::Failed { code, msg } if code == wire::CODE_SYSTEM => CourierError::Unreachable(msg),
        DadaError::Failed { code, msg } => CourierError::Refused { code: code.to_string(), message: msg },
        other => CourierError::Unreachable(other.to_string()),
    }
}

impl Courier for DadaShaped {
    fn code(&self) -> &str {
        &self.config.code
    }

    fn method(&self) -> CourierMethod {
        CourierMethod::SameCity
    }

    fn serves(&self, store: &str) -> bool {
        self.config.shops.contains_key(store)
    }

    fn quote<'a>(&'a self, s: &'a Shipment) -> BoxFuture<'a, Result<Quote, CourierError>> {
        Box::pin(async move {
            let req = self.order_request(s)?;
            let fee: wire::FeeResult =
                self.call(wire::path::QUERY_DELIVER_FEE, &req).await?.into_result().map_err(refused)?;
            let tip = fee.tips.unwrap_or(Fen::ZERO);
            Ok(Quote {
                quote: RiderQuote {
                    platform: self.config.code.clone(),
                    fee: Fen((fee.fee.0 - tip.0).max(0)),
                    pickup_minutes: fee.pickup_minutes.unwrap_or(30),
                    distance_m: fee.distance,
                },
                handle: fee.delivery_no,
            })
        })
    }

    fn create<'a>(&'a self, s: &'a Shipment, quote: Option<&'a Quote>) -> BoxFuture<'a, Result<Created, CourierError>> {
        Box::pin(async move {
            let placed = match quote.and_then(|q| q.handle.clone()) {
                Some(delivery_no) => {
                    let answer: Answer<serde_json::Value> =
                        self.call(wire::path::ADD_AFTER_QUERY, &wire::AddAfterQuery { delivery_no }).await?;
                    answer.into_unit().map_err(refused)
                }
                None => {
                    let answer: Answer<wire::FeeResult> =
                        self.call(wire::path::ADD_ORDER, &self.order_request(s)?).await?;
                    answer.into_unit().map_err(refused)
                }
            };
            match placed {
                Ok(()) => {}
                // Placed before (the task ran again after a crash): the platform has it.
                Err(CourierError::Refused { code, .. }) if code == wire::CODE_ORDER_EXISTS.to_string() => {}
                Err(e) => return Err(e),
            }
            let q = quote.map(|q| q.quote.clone());
            let now = crate::clock::now();
            Ok(Created {
                platform_order_no: s.booking_id.to_string(),
                fee: q.as_ref().map_or(Fen::ZERO, |q| q.fee),
                distance_m: q.as_ref().map(|q| q.distance_m),
                eta: q.map(|q| now + chrono::Duration::minutes(i64::from(q.pickup_minutes))),
                waybills: Vec::new(),
                labels: Vec::new(),
            })
        })
    }

    fn cancel<'a>(&'a self, b: &'a CourierBooking, reason: &'a str) -> BoxFuture<'a, Result<Cancelled, CourierError>> {
        Box::pin(async move {
            let req = wire::FormalCancel {
                order_id: b.id.to_string(),
                cancel_reason_id: wire::CANCEL_REASON_CUSTOMER,
                cancel_reason: reason.to_string(),
            };
            let answer: Answer<wire::CancelResult> = self.call(wire::path::FORMAL_CANCEL, &req).await?;
            match answer.into_result() {
                Ok(r) => Ok(Cancelled { penalty: r.deduct_fee }),
                Err(DadaError::Failed { code, msg }) if code == wire::CODE_STATUS => {
                    Err(CourierError::AlreadyCollected(msg))
                }
                Err(e) => Err(refused(e)),
            }
        })
    }

    fn track<'a>(&'a self, b: &'a CourierBooking) -> BoxFuture<'a, Result<Vec<StatusReport>, CourierError>> {
        Box::pin(async move {
            let answer: Answer<wire::StatusResult> =
                self.call(wire::path::STATUS_QUERY, &wire::StatusQuery { order_id: b.id.to_string() }).await?;
            let r = answer.into_result().map_err(refused)?;
            let status = wire::booking_status(r.status_code);
            Ok(vec![StatusReport {
                booking_id: Some(b.id),
                platform_order_no: None,
                platform_status: r.status_code.to_string(),
                status,
                when_returning: status,
                at: None,
                rider: match (&r.transporter_name, &r.transporter_phone) {
                    (Some(name), Some(phone)) => {
                        Some(Rider { name: name.clone(), phone: phone.clone(), position: r.rider_position() })
                    }
                    _ => None,
                },
                rider_code: None,
                penalty: r.deduct_fee,
                detail: Some(r.status_msg.clone()).filter(|m| !m.is_empty()),
            }])
        })
    }

    fn shop_no(&self, store: &str) -> Option<String> {
        self.config.shops.get(store).cloned()
    }

    fn register_shop<'a>(&'a self, s: &'a super::ShopToRegister) -> BoxFuture<'a, Result<String, CourierError>> {
        Box::pin(async move {
            // Dada's retail business type; the district is not kept for nodes: the city.
            let shops = vec![wire::ShopAdd {
                station_name: s.name.clone(),
                business: 5,
                city_name: s.city.clone(),
                area_name: s.city.clone(),
                station_address: s.address.clone(),
                lng: s.location.lon,
                lat: s.location.lat,
                contact_name: s.contact.clone(),
                phone: s.phone.clone(),
                origin_shop_id: Some(s.shop_no.clone()),
            }];
            let r: wire::ShopAddResult =
                self.call(wire::path::SHOP_ADD, &shops).await?.into_result().map_err(refused)?;
            if let Some(added) = r.success_list.iter().find(|a| a.origin_shop_id == s.shop_no) {
                return Ok(added.station_name.clone());
            }
            let why = r.failed_list.first().map(|f| f.msg.clone()).unwrap_or_else(|| "nothing was registered".into());
            Err(CourierError::Refused { code: "shop_refused".into(), message: why })
        })
    }

    fn callback_token_ok(&self, token: &str) -> bool {
        shared::courier::sf::push_token_matches(self.config.callback_token.expose(), token)
    }

    fn parse_callback(&self, body: &[u8]) -> Result<Vec<StatusReport>, CallbackRefused> {
        let c = wire::Callback::parse(body).map_err(|e| CallbackRefused::Malformed(e.to_string()))?;
        c.verify().map_err(|_| CallbackRefused::Signature)?;
        let booking_id = uuid::Uuid::parse_str(&c.order_id)
            .map_err(|_| CallbackRefused::Malformed(format!("order_id {:?} is not one of ours", c.order_id)))?;
        let status = wire::booking_status(c.order_status);
        let rider = match (&c.dm_name, &c.dm_mobile) {
            (Some(name), Some(phone)) if !name.is_empty() => {
                Some(Rider { name: name.clone(), phone: phone.clone(), position: c.rider_position() })
            }
            _ => None,
        };
        let detail = Some(c.cancel_reason.clone()).filter(|r| !r.is_empty());
        Ok(vec![StatusReport {
            booking_id: Some(booking_id),
            platform_order_no: Some(c.client_id.clone()).filter(|s| !s.is_empty()),
            platform_status: c.order_status.to_string(),
            status,
            when_returning: status,
            at: chrono::DateTime::from_timestamp(c.update_time, 0),
            rider,
            rider_code: c.fetch_code.clone(),
            penalty: c.deduct_fee,
            detail,
        }])
    }

    fn callback_answer(&self, refused: Option<&str>) -> serde_json::Value {
        match refused {
            None => serde_json::json!(Answer::<()>::done()),
            Some(why) => serde_json::json!(Answer::<()>::fail(wire::CODE_PARAMETER, why)),
        }
    }
}
