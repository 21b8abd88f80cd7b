//! The simulated SF Express open platform: `POST /std/service` (create, cancel, route query)
//! with SF's digest check, and route pushes to the account's push URL on a timeline.

use crate::types::{Mailbox, Outgoing, Rule, Script, SfOrderView, SimError};
use crate::Sim;
use crate::SF_PLATFORM;
use axum::extract::State;
use axum::Json;
use shared::courier::sf::{self as wire, op, ServiceCode, ServiceRequest, ServiceResponse};
use shared::courier::BookingStatus;
use std::collections::VecDeque;
use std::sync::Arc;

/// An order SF took.
pub(crate) struct SfOrder {
    pub(crate) order_id: String,
    /// The answer the create got (and every repeat of it).
    pub(crate) answer: wire::CreateOrderAnswer,
    pub(crate) steps: VecDeque<(&'static str, &'static str)>,
    pub(crate) last_op: Option<String>,
    pub(crate) status: BookingStatus,
    pub(crate) cancelled: bool,
    pub(crate) script: Option<Script>,
    /// The previous step's routes (re-sent late by the duplicate script).
    pub(crate) previous: Vec<wire::WaybillRoute>,
    pub(crate) route_seq: u64,
    pub(crate) seq: u64,
    pub(crate) mail: Mailbox,
}

pub(crate) fn view(o: &SfOrder) -> SfOrderView {
    SfOrderView {
        order_id: o.order_id.clone(),
        waybills: o.answer.parcel_waybill_nos().into_iter().map(str::to_owned).collect(),
        last_op_code: o.last_op.clone(),
        status: o.status,
        cancelled: o.cancelled,
        script: o.script,
        steps_left: o.steps.len(),
        pushes: o.mail.records.clone(),
    }
}

fn timeline(script: Option<Script>) -> VecDeque<(&'static str, &'static str)> {
    let mut steps = vec![
        (op::COLLECTED, "顺丰速运 已收取快件"),
        (op::DEPARTED, "快件离开【深圳南山营业点】，已发往【深圳集散中心】"),
        (op::OUT_FOR_DELIVERY, "快件交给快递员，正在派送途中"),
    ];
    if script == Some(Script::FailDelivery) {
        steps.push((op::DELIVERY_ATTEMPT_FAILED, "因收方原因，快件派送不成功"));
        steps.push((op::RETURNING, "应收方要求，快件正在退回寄件人"));
        steps.push((op::SIGNED, "快件已退回，寄件人已签收"));
    } else {
        steps.push((op::SIGNED, "已签收，感谢使用顺丰"));
    }
    steps.into()
}

/// The handler of `POST /std/service`: SF answers HTTP 200 with its result codes.
pub(crate) async fn service(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> Json<ServiceResponse> {
    let response_id = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    let refused = |code: &str, msg: &str| Json(ServiceResponse::refused(&response_id, code, msg));
    let (Some(account), Some(checkword)) = (sim.config.sf_express.as_ref(), sim.sf_checkword.as_deref()) else {
        return refused(wire::API_NO_PERMISSION, "SF is not simulated here");
    };
    let req = match ServiceRequest::from_form(&body) {
        Ok(r) => r,
        Err(e) => return refused(wire::API_MISSING_PARAMETER, &e.to_string()),
    };
    if req.partner_id != account.partner_id {
        return refused(wire::API_NO_PERMISSION, "partnerID 无对应服务权限");
    }
    if req.verify(checkword).is_err() {
        return refused(wire::API_DIGEST_INVALID, "数字签名无效");
    }
    let Ok(service) = req.service() else {
        return refused(wire::API_NO_PERMISSION, "serviceCode 无对应服务权限");
    };
    let answer = match service {
        ServiceCode::CreateOrder => req.msg().map(|m| create(&sim, &response_id, m)),
        ServiceCode::UpdateOrder => req.msg().map(|m| update(&sim, &response_id, m)),
        ServiceCode::SearchRoutes => req.msg().map(|m| search(&sim, &response_id, m)),
    };
    Json(answer.unwrap_or_else(|e| {
        ServiceResponse::business_error(&response_id, wire::BUSINESS_ORDER_INVALID, &e.to_string())
    }))
}

fn success<T: serde::Serialize>(id: &str, msg: &T) -> ServiceResponse {
    ServiceResponse::success(id, msg)
        .unwrap_or_else(|e| ServiceResponse::refused(id, wire::API_SYSTEM_ERROR, &e.to_string()))
}

fn invalid(id: &str, msg: &str) -> ServiceResponse {
    ServiceResponse::business_error(id, wire::BUSINESS_ORDER_INVALID, msg)
}

fn create(sim: &Arc<Sim>, id: &str, m: wire::CreateOrder) -> ServiceResponse {
    let account = match &sim.config.sf_express {
        Some(a) => a,
        None => return invalid(id, "SF is not simulated here"),
    };
    {
        let st = sim.lock();
        if let Some(existing) = st.sf.get(&m.order_id) {
            // Idempotent: the same order id answers the same waybills.
            return success(id, &existing.answer);
        }
    }
    let (Some(sender), Some(recipient)) = (m.contact(wire::CONTACT_SENDER), m.contact(wire::CONTACT_RECIPIENT)) else {
        return invalid(id, "contactInfoList 需要寄件人(1)和收件人(2)");
    };
    if recipient.contact.trim().is_empty() || recipient.address.trim().is_empty() || sender.address.trim().is_empty() {
        return invalid(id, "寄件人/收件人姓名和地址不能为空");
    }
    if recipient.mobile.as_deref().unwrap_or("").is_empty() && recipient.tel.as_deref().unwrap_or("").is_empty() {
        return invalid(id, "收件人电话不能为空");
    }
    if m.order_id.trim().is_empty() || m.order_id.len() > 64 {
        return invalid(id, "orderId 不能为空且不超过 64 位");
    }
    if !(1..=300).contains(&m.parcel_qty) {
        return invalid(id, "parcelQty 须在 1 到 300 之间");
    }
    if m.cargo_details.is_empty() {
        return invalid(id, "cargoDetails 不能为空");
    }
    if ![1, 2].contains(&m.express_type_id) {
        return invalid(id, "expressTypeId 不支持");
    }
    if !account.stores.is_empty() {
        let card = m.monthly_card.as_deref().unwrap_or("");
        if !account.stores.values().any(|s| s.monthly_card == card) {
            return invalid(id, "月结卡号不存在或未绑定");
        }
    }
    let mut st = sim.lock();
    // Checked above, but another request may have created it since: stay idempotent.
    if let Some(existing) = st.sf.get(&m.order_id) {
        return success(id, &existing.answer);
    }
    let script = st.take_script(SF_PLATFORM);
    if script == Some(Script::FailCreate) {
        return ServiceResponse::business_error(id, "8114", "该地址不在收派范围内，无法下单");
    }
    let seq = st.next_seq();
    let waybills: Vec<String> =
        (0..m.parcel_qty).map(|n| format!("SF{:013}", 1_000_000_000_000 + seq * 1_000 + u64::from(n))).collect();
    let dest_code = if recipient.city.contains("上海") {
        "021"
    } else if recipient.city.contains("北京") {
        "010"
    } else {
        "020"
    };
    let pro_code = if m.express_type_id == 1 { "T4" } else { "T6" };
    let pro_name = if m.express_type_id == 1 { "顺丰特快" } else { "顺丰标快" };
    let answer = wire::CreateOrderAnswer {
        order_id: m.order_id.clone(),
        origin_code: Some("755".into()),
        dest_code: Some(dest_code.into()),
        filter_result: Some(2),
        waybill_no_info_list: waybills
            .iter()
            .enumerate()
            .map(|(i, w)| wire::WaybillNoInfo {
                waybill_type: if i == 0 { wire::WAYBILL_MASTER } else { wire::WAYBILL_CHILD },
                waybill_no: w.clone(),
            })
            .collect(),
        route_label_info: if m.is_return_routelabel == 1 {
            waybills
                .iter()
                .map(|w| wire::RouteLabelInfo {
                    code: "1000".into(),
                    message: Some(w.clone()),
                    route_label_data: Some(wire::RouteLabelData {
                        waybill_no: w.clone(),
                        source_transfer_code: Some("755W".into()),
                        source_city_code: Some("755".into()),
                        dest_city_code: Some(dest_code.into()),
                        dest_dept_code: Some(format!("{dest_code}AB")),
                        dest_team_code: Some("012".into()),
                        dest_transfer_code: Some(format!("{dest_code}W")),
                        dest_route_label: format!("{dest_code}WE-{:03}A", seq % 1000),
                        pro_name: Some(pro_name.into()),
                        pro_code: pro_code.into(),
                        two_dimension_code: Some(format!(
                            "MMM={{'k1':'{dest_code}WE','k2':'{dest_code}AB','k5':'{w}'}}"
                        )),
                        ..wire::RouteLabelData::default()
                    }),
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    st.sf.insert(
        m.order_id.clone(),
        SfOrder {
            order_id: m.order_id.clone(),
            answer: answer.clone(),
            steps: timeline(script),
            last_op: None,
            status: BookingStatus::Dispatching,
            cancelled: false,
            script,
            previous: Vec::new(),
            route_seq: 0,
            seq,
            mail: Mailbox::default(),
        },
    );
    drop(st);
    crate::spawn_timeline(sim, SF_PLATFORM.into(), m.order_id);
    success(id, &answer)
}

fn update(sim: &Sim, id: &str, m: wire::UpdateOrder) -> ServiceResponse {
    let mut st = sim.lock();
    let Some(order) = st.sf.get_mut(&m.order_id) else {
        return ServiceResponse::business_error(id, wire::BUSINESS_ORDER_UNKNOWN, "订单不存在");
    };
    match m.deal_type {
        wire::DEAL_CANCEL => {
            if order.cancelled {
                return ServiceResponse::business_error(id, wire::BUSINESS_ORDER_CANCELLED, "订单已取消");
            }
            if order.last_op.is_some() {
                return ServiceResponse::business_error(id, wire::BUSINESS_ORDER_COLLECTED, "快件已收取，不能取消");
            }
            order.cancelled = true;
            order.status = BookingStatus::Cancelled;
            order.steps.clear();
        }
        wire::DEAL_CONFIRM => {}
        _ => return invalid(id, "dealType 不支持"),
    }
    let answer = wire::UpdateOrderAnswer {
        order_id: order.order_id.clone(),
        waybill_no_info_list: order.answer.waybill_no_info_list.clone(),
        res_status: 2,
    };
    success(id, &answer)
}

fn search(sim: &Sim, id: &str, m: wire::SearchRoutes) -> ServiceResponse {
    let st = sim.lock();
    let mut route_resps = Vec::new();
    for number in &m.tracking_number {
        let orders: Vec<&SfOrder> = match m.tracking_type {
            wire::TRACK_BY_ORDER => st.sf.get(number).into_iter().collect(),
            _ => st.sf.values().filter(|o| o.answer.parcel_waybill_nos().contains(&number.as_str())).collect(),
        };
        for o in orders {
            for w in o.answer.parcel_waybill_nos() {
                if m.tracking_type != wire::TRACK_BY_ORDER && w != number {
                    continue;
                }
                let routes = o
                    .mail
                    .records
                    .iter()
                    .filter_map(|p| serde_json::from_value::<wire::RoutePush>(p.payload.clone()).ok())
                    .flat_map(|p| p.body.waybill_route)
                    .filter(|r| r.mailno == w)
                    .fold(Vec::<wire::WaybillRoute>::new(), |mut acc, r| {
                        if !acc.iter().any(|a| a.id == r.id) {
                            acc.push(r);
                        }
                        acc
                    })
                    .into_iter()
                    .map(|r| wire::Route {
                        accept_time: r.accept_time,
                        accept_address: r.accept_address,
                        remark: r.remark,
                        op_code: r.op_code,
                    })
                    .collect();
                route_resps.push(wire::RouteResp { mail_no: w.to_owned(), routes });
            }
        }
    }
    success(id, &wire::SearchRoutesAnswer { route_resps })
}

/// The next step of an order: its routes (one per waybill), as pushes to send.
pub(crate) fn step(sim: &Sim, order_id: &str) -> Result<(), SimError> {
    let push_url = sim.sf_push_url.clone();
    let mut st = sim.lock();
    let order = st
        .sf
        .get_mut(order_id)
        .ok_or_else(|| SimError::UnknownOrder { platform: SF_PLATFORM.into(), order_id: order_id.into() })?;
    let (code, remark) = order.steps.pop_front().ok_or_else(|| SimError::NoFurtherStep(order_id.into()))?;
    if let Some(next) = wire::route_status(code, order.status) {
        if order.status.advances_to(next) {
            order.status = next;
        }
    }
    order.last_op = Some(code.to_owned());
    let accept_time = wire::format_accept_time(crate::now());
    let mut routes = Vec::new();
    for w in order.answer.parcel_waybill_nos() {
        order.route_seq += 1;
        routes.push(wire::WaybillRoute {
            id: format!("{}{:04}", order.seq, order.route_seq),
            mailno: w.to_owned(),
            orderid: order.order_id.clone(),
            accept_time: accept_time.clone(),
            accept_address: "深圳市".into(),
            remark: remark.into(),
            op_code: code.into(),
            reason_code: None,
            reason_name: None,
        });
    }
    let previous = std::mem::replace(&mut order.previous, routes.clone());
    let Some(url) = push_url else {
        return Ok(());
    };
    let push = |routes: &[wire::WaybillRoute], label: String| -> Vec<Outgoing> {
        routes
            .chunks(wire::MAX_ROUTES_PER_PUSH)
            .map(|chunk| Outgoing {
                url: url.clone(),
                body: serde_json::to_value(wire::RoutePush {
                    body: wire::RoutePushBody { waybill_route: chunk.to_vec() },
                })
                .unwrap_or_default(),
                label: label.clone(),
                rule: Rule::SfPush,
            })
            .collect()
    };
    let mut outs = push(&routes, format!("opCode {code}"));
    if order.script == Some(Script::DuplicateCallbacks) {
        if let Some(prev) = previous.first() {
            let late = format!("opCode {} (late)", prev.op_code);
            outs.extend(push(&previous, late));
        }
        outs.extend(push(&routes, format!("opCode {code} (again)")));
    }
    order.mail.queue(outs);
    Ok(())
}
