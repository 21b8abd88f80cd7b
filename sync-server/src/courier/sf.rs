//! SF Express open platform (顺丰丰桥) client: express waybills for ship-from-store parcels.
//! One order per booking (`orderId` = our booking id, so a repeated create answers the same
//! waybills), one waybill per parcel (`parcelQty`), the store as sender, paid by the store's
//! monthly card; the route-label data in the answer becomes one [`ShippingLabel`] per
//! parcel. Route pushes are not signed by SF: the URL HQ registers carries a secret token
//! (checked with `shared::courier::sf::push_token_matches`). Wire shapes and the signature: `shared::courier::sf`.

use super::config::SfConfig;
use super::{CallbackRefused, Cancelled, Courier, CourierError, Created, Quote, Shipment, StatusReport};
use futures_util::future::BoxFuture;
use shared::courier::sf::{self as wire, ServiceCode, ServiceRequest, ServiceResponse, SfError};
use shared::courier::{BookingStatus, CourierBooking, CourierMethod, LabelParty, ShippingLabel};
use shared::returns::{mask_name, mask_phone};

/// The carrier's name as printed.
pub const CARRIER_NAME: &str = "顺丰速运";
/// The platform code on bookings.
pub const CODE: &str = "sf_express";

/// The SF Express client.
pub struct SfExpress {
    config: SfConfig,
    http: reqwest::Client,
}

impl SfExpress {
    /// A client for this account.
    pub fn new(config: SfConfig, http: reqwest::Client) -> Self {
        SfExpress { config, http }
    }

    async fn call<T: serde::Serialize + Sync, A: serde::de::DeserializeOwned>(
        &self,
        service: ServiceCode,
        msg: &T,
    ) -> Result<A, CourierError> {
        let now = crate::clock::now();
        let request_id = uuid::Uuid::now_v7().to_string();
        let req = ServiceRequest::signed(
            &self.config.partner_id,
            self.config.checkword.expose(),
            service,
            &request_id,
            now,
            msg,
        )
        .map_err(|e| CourierError::Unreachable(e.to_string()))?;
        let url = format!("{}{}", self.config.base_url, wire::SERVICE_PATH);
        let resp = self
            .http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded;charset=UTF-8")
            .body(req.to_form())
            .send()
            .await
            .map_err(|e| CourierError::Unreachable(format!("SF {}: {}", service.as_str(), e.without_url())))?;
        let status = resp.status();
        let answer: ServiceResponse = resp.json().await.map_err(|e| {
            CourierError::Unreachable(format!("SF {} answered {status}: {}", service.as_str(), e.without_url()))
        })?;
        answer.into_result::<A>().map_err(|e| match e {
            SfError::Business { code, message } if code == wire::BUSINESS_ORDER_COLLECTED => {
                CourierError::AlreadyCollected(message)
            }
            SfError::Business { code, message } | SfError::Refused { code, message } => {
                CourierError::Refused { code, message }
            }
            other => CourierError::Unreachable(other.to_string()),
        })
    }
}

fn contact(contact_type: u32, p: &super::Party) -> wire::ContactInfo {
    wire::ContactInfo {
        contact_type,
        company: None,
        contact: p.name.clone(),
        mobile: Some(p.phone.clone()),
        tel: None,
        country: "CN".into(),
        province: String::new(),
        city: p.city.clone(),
        county: String::new(),
        address: p.address.clone(),
        post_code: None,
    }
}

/// The labels of an SF answer: one per parcel, in parcel order, each with its waybill and
/// the route-label data SF sent for it (or, for a child waybill SF sent none for, the
/// master's: a shipment's parcels travel one route).
pub fn labels(
    s: &Shipment,
    answer: &wire::CreateOrderAnswer,
) -> Result<(Vec<String>, Vec<ShippingLabel>), CourierError> {
    let waybills: Vec<String> = answer.parcel_waybill_nos().into_iter().map(str::to_string).collect();
    if waybills.len() != s.parcels.len() {
        return Err(CourierError::Refused {
            code: "waybill_count".into(),
            message: format!("SF answered {} waybills for {} parcels", waybills.len(), s.parcels.len()),
        });
    }
    let master = waybills[0].clone();
    let master_label = answer.label(&master).cloned().unwrap_or_default();
    let count = s.parcels.len() as u32;
    let labels = s
        .parcels
        .iter()
        .zip(&waybills)
        .map(|(p, no)| {
            let data = answer.label(no).cloned().unwrap_or_else(|| master_label.clone());
            ShippingLabel {
                parcel_no: p.parcel_no,
                parcel_count: count,
                waybill_no: no.clone(),
                master_waybill_no: master.clone(),
                carrier: CARRIER_NAME.into(),
                service: s.service,
                dest_route_label: data.dest_route_label,
                pro_code: data.pro_code,
                two_dimension_code: data.two_dimension_code,
                sender: LabelParty {
                    name: s.sender.name.clone(),
                    phone: s.sender.phone.clone(),
                    address: s.sender.address.clone(),
                },
                recipient: LabelParty {
                    name: mask_name(&s.recipient.name),
                    phone: mask_phone(&s.recipient.phone),
                    address: s.recipient.address.clone(),
                },
                weight_g: p.weight_g,
                reference: s.reference.clone(),
            }
        })
        .collect();
    Ok((waybills, labels))
}

fn route_report(r: &wire::WaybillRoute) -> StatusReport {
    StatusReport {
        booking_id: uuid::Uuid::parse_str(&r.orderid).ok(),
        platform_order_no: Some(r.mailno.clone()),
        platform_status: r.op_code.clone(),
        status: wire::booking_status(&r.op_code),
        when_returning: wire::route_status(&r.op_code, BookingStatus::Returning),
        at: wire::parse_accept_time(&r.accept_time).ok(),
        rider: None,
        rider_code: None,
        penalty: None,
        detail: Some(r.remark.clone()).filter(|s| !s.is_empty()),
    }
}

impl Courier for SfExpress {
    fn code(&self) -> &str {
        CODE
    }

    fn method(&self) -> CourierMethod {
        CourierMethod::Express
    }

    fn serves(&self, store: &str) -> bool {
        self.config.stores.contains_key(store)
    }

    fn quote<'a>(&'a self, _: &'a Shipment) -> BoxFuture<'a, Result<Quote, CourierError>> {
        Box::pin(async { Err(CourierError::Unsupported("SF Express is booked directly, without a same-city quote")) })
    }

    fn create<'a>(&'a self, s: &'a Shipment, _: Option<&'a Quote>) -> BoxFuture<'a, Result<Created, CourierError>> {
        Box::pin(async move {
            let card = self.config.stores.get(&s.store_code).map(|c| c.monthly_card.clone()).ok_or_else(|| {
                CourierError::Refused {
                    code: "no_monthly_card".into(),
                    message: format!("no SF monthly card for {}", s.store_code),
                }
            })?;
            let msg = wire::CreateOrder {
                language: "zh-CN".into(),
                order_id: s.booking_id.to_string(),
                contact_info_list: vec![
                    contact(wire::CONTACT_SENDER, &s.sender),
                    contact(wire::CONTACT_RECIPIENT, &s.recipient),
                ],
                cargo_details: s
                    .goods
                    .iter()
                    .map(|g| wire::CargoDetail {
                        name: g.sku_code.clone(),
                        count: g.qty.clamp(0, i64::from(u32::MAX)) as u32,
                        unit: Some("件".into()),
                        weight: 0,
                    })
                    .collect(),
                express_type_id: s.service.sf_express_type_id(),
                pay_method: 1,
                monthly_card: Some(card),
                parcel_qty: s.parcels.len() as u32,
                total_weight: s.weight_g(),
                is_return_routelabel: 1,
                remark: Some(s.reference.clone()),
            };
            let answer: wire::CreateOrderAnswer = self.call(ServiceCode::CreateOrder, &msg).await?;
            let (waybills, labels) = labels(s, &answer)?;
            Ok(Created {
                platform_order_no: waybills[0].clone(),
                fee: shared::Fen::ZERO,
                distance_m: None,
                eta: None,
                waybills,
                labels,
            })
        })
    }

    fn cancel<'a>(&'a self, b: &'a CourierBooking, _reason: &'a str) -> BoxFuture<'a, Result<Cancelled, CourierError>> {
        Box::pin(async move {
            let msg = wire::UpdateOrder {
                order_id: b.id.to_string(),
                deal_type: wire::DEAL_CANCEL,
                waybill_no_info_list: vec![],
            };
            match self.call::<_, wire::UpdateOrderAnswer>(ServiceCode::UpdateOrder, &msg).await {
                Ok(_) => Ok(Cancelled { penalty: shared::Fen::ZERO }),
                // Cancelled before (a repeated task): done.
                Err(CourierError::Refused { code, .. }) if code == wire::BUSINESS_ORDER_CANCELLED => {
                    Ok(Cancelled { penalty: shared::Fen::ZERO })
                }
                Err(e) => Err(e),
            }
        })
    }

    fn track<'a>(&'a self, b: &'a CourierBooking) -> BoxFuture<'a, Result<Vec<StatusReport>, CourierError>> {
        Box::pin(async move {
            let msg = wire::SearchRoutes {
                language: "zh-CN".into(),
                tracking_type: wire::TRACK_BY_ORDER,
                tracking_number: vec![b.id.to_string()],
                method_type: 1,
                check_phone_no: None,
            };
            let answer: wire::SearchRoutesAnswer = self.call(ServiceCode::SearchRoutes, &msg).await?;
            let mut out = Vec::new();
            for resp in answer.route_resps {
                for r in resp.routes {
                    let route = wire::WaybillRoute {
                        id: String::new(),
                        mailno: resp.mail_no.clone(),
                        orderid: b.id.to_string(),
                        accept_time: r.accept_time,
                        accept_address: r.accept_address,
                        remark: r.remark,
                        op_code: r.op_code,
                        reason_code: None,
                        reason_name: None,
                    };
                    out.push(route_report(&route));
                }
            }
            Ok(out)
        })
    }

    fn callback_token_ok(&self, token: &str) -> bool {
        shared::courier::sf::push_token_matches(self.config.callback_token.expose(), token)
    }

    fn parse_callback(&self, body: &[u8]) -> Result<Vec<StatusReport>, CallbackRefused> {
        let push = wire::RoutePush::parse(body).map_err(|e| CallbackRefused::Malformed(e.to_string()))?;
        if push.body.waybill_route.len() > wire::MAX_ROUTES_PER_PUSH {
            return Err(CallbackRefused::Malformed(format!("more than {} routes", wire::MAX_ROUTES_PER_PUSH)));
        }
        Ok(push.body.waybill_route.iter().map(route_report).collect())
    }

    fn callback_answer(&self, refused: Option<&str>) -> serde_json::Value {
        match refused {
            None => serde_json::json!(wire::PushAnswer::ok()),
            Some(why) => serde_json::json!(wire::PushAnswer::failed(why)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::courier::{Goods, Party};
    use shared::courier::{ExpressService, Parcel, ParcelLine};

    fn shipment(parcels: u32) -> Shipment {
        let party = |name: &str, phone: &str| Party {
            name: name.into(),
            phone: phone.into(),
            address: "上海市静安区南京西路1号".into(),
            city: "上海".into(),
            location: None,
        };
        Shipment {
            booking_id: uuid::Uuid::nil(),
            fulfillment_order_id: uuid::Uuid::nil(),
            reference: "TM-1".into(),
            store_code: "STORE-A".into(),
            sender: party("静安店", "021-62000000"),
            recipient: party("张三", "13800001234"),
            service: ExpressService::Priority,
            parcels: (1..=parcels)
                .map(|n| Parcel {
                    parcel_no: n,
                    weight_g: 500 * n,
                    lines: vec![ParcelLine { line_no: 1, qty: shared::Qty::new(1).unwrap() }],
                    waybill_no: None,
                })
                .collect(),
            goods: vec![Goods { sku_code: "SKU-1".into(), qty: i64::from(parcels) }],
            goods_value: shared::Fen(100),
            tip: shared::Fen::ZERO,
            city_code: "021".into(),
            rider_code: None,
        }
    }

    fn answer(waybills: &[(&str, u32)], labelled: &[&str]) -> wire::CreateOrderAnswer {
        wire::CreateOrderAnswer {
            order_id: "x".into(),
            origin_code: None,
            dest_code: None,
            filter_result: None,
            waybill_no_info_list: waybills
                .iter()
                .map(|(no, t)| wire::WaybillNoInfo { waybill_type: *t, waybill_no: (*no).into() })
                .collect(),
            route_label_info: labelled
                .iter()
                .map(|no| wire::RouteLabelInfo {
                    code: "1000".into(),
                    message: None,
                    route_label_data: Some(wire::RouteLabelData {
                        waybill_no: (*no).into(),
                        dest_route_label: format!("021WE-{no}"),
                        pro_code: "T4".into(),
                        ..Default::default()
                    }),
                })
                .collect(),
        }
    }

    #[test]
    fn every_parcel_gets_its_waybill_and_a_label_with_the_recipient_masked() {
        let a = answer(&[("SF2", wire::WAYBILL_CHILD), ("SF1", wire::WAYBILL_MASTER)], &["SF1"]);
        let (waybills, labels) = labels(&shipment(2), &a).unwrap();
        assert_eq!(waybills, ["SF1", "SF2"], "master first");
        assert_eq!(labels.len(), 2);
        assert_eq!((labels[1].waybill_no.as_str(), labels[1].master_waybill_no.as_str()), ("SF2", "SF1"));
        assert_eq!(labels[1].dest_route_label, "021WE-SF1", "a child without label data travels the master's route");
        assert_eq!((labels[1].parcel_no, labels[1].parcel_count, labels[1].weight_g), (2, 2, 1000));
        assert_eq!((labels[0].recipient.name.as_str(), labels[0].recipient.phone.as_str()), ("张*", "138****1234"));
        assert_eq!(labels[0].sender.phone, "021-62000000");
        assert_eq!(labels[0].service, ExpressService::Priority);
        let short = answer(&[("SF1", wire::WAYBILL_MASTER)], &["SF1"]);
        assert!(matches!(super::labels(&shipment(2), &short), Err(CourierError::Refused { .. })));
    }
}
