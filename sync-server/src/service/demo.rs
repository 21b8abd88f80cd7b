//! What the demo needs beyond the API: an order taken through its whole life at once, as
//! if its fulfilling nodes had worked it, so the demo store has a delivered online order to
//! take back at the return counter.

use super::op_context::OpContext;
use super::{intake, transitions, ServiceError};
use crate::storage::orders;
use crate::storage::Tx;
use shared::fulfillment::{FulfillmentEvent, FulfillmentKind, FulfillmentState};
use shared::order::ChannelOrderInput;
use shared::protocol::PickedLine;
use shared::Count;
use uuid::Uuid;

/// Takes every routed fulfillment order of a ship or same-city order through accept, pick
/// (every unit), courier and dispatch to delivered, with the same steps (stock movements,
/// fulfillment fees) a store's ops and the courier's callback make; pickup orders and
/// fulfillment orders past `routed` are left as they are.
pub fn deliver(tx: &mut dyn Tx, order_id: Uuid, now: i64) -> Result<(), ServiceError> {
    for f in orders::fulfillments_of_order(tx, order_id)? {
        deliver_fulfillment(tx, f.id, now)?;
    }
    Ok(())
}

/// [`deliver`] for one fulfillment order: a routed ship or same-city one is taken to
/// delivered, anything else is left as it is.
pub fn deliver_fulfillment(tx: &mut dyn Tx, id: Uuid, now: i64) -> Result<(), ServiceError> {
    let Some(f) = orders::fulfillment(tx, id)? else { return Ok(()) };
    if f.kind == FulfillmentKind::Pickup || f.state != FulfillmentState::Routed {
        return Ok(());
    }
    let ctx = OpContext { device_id: "demo", store: &f.node_code, staff_id: "demo", op_id: Uuid::nil(), now };
    transitions::simple(tx, &ctx, f.id, FulfillmentEvent::Accept)?;
    transitions::simple(tx, &ctx, f.id, FulfillmentEvent::StartPick)?;
    let picked: Vec<PickedLine> = orders::fulfillment_lines(tx, f.id)?
        .into_iter()
        .map(|l| PickedLine { line_no: l.line_no, picked: Count::new(l.qty).unwrap_or_default() })
        .collect();
    transitions::confirm_pick(tx, &ctx, f.id, &picked, None)?;
    transitions::request_courier(tx, &ctx, f.id, "SF Express")?;
    transitions::record_tracking(tx, &ctx, f.id, "SF Express", &format!("SF{}", &f.id.simple().to_string()[..12]))?;
    transitions::delivered(tx, f.id, now)?;
    Ok(())
}

/// Takes `order` (idempotent by its channel number, as any intake) and delivers it; returns
/// its id. Taken again, it is found and left as it is.
pub fn delivered_order(tx: &mut dyn Tx, order: &ChannelOrderInput, now: i64) -> Result<Uuid, ServiceError> {
    let taken = intake::intake(tx, order, &intake::PlacedBy::default())?;
    if taken.created {
        deliver(tx, taken.order.id, now)?;
    }
    Ok(taken.order.id)
}

/// What the demo's stock control is seeded with, chosen from the generated brand.
pub struct StockControlSeed {
    /// The deepest SKUs of the network, deepest first (at least four for everything).
    pub deep_skus: Vec<(String, String)>,
    /// A central warehouse, where the presale's receipt is expected.
    pub warehouse: String,
}

/// What [`seed_stock_control`] made, for the demo's welcome text.
pub struct StockControlSeeded {
    /// The live-stream campaign code.
    pub campaign: String,
    /// The presale code.
    pub presale: String,
    /// The allocation rule with a threshold switch.
    pub allocation_rule: String,
}

/// Live-stream campaign of the demo.
pub const DEMO_CAMPAIGN: &str = "LIVE-D11-A";
/// Presale of the demo.
pub const DEMO_PRESALE: &str = "PRE-WINTER-01";

/// Seeds HQ's stock control the way an operations team preparing Double 11 would: an
/// allocation rule for the deepest style (share everything while deep, protect the brand's
/// own mini-program and carve Tmall and JD out when shallow, with hysteresis), a live-stream
/// lock of two SKUs spread over the network for the next week, and a presale against a
/// receipt expected at the central warehouse. Goes through the same service calls as the API.
pub fn seed_stock_control(
    tx: &mut dyn Tx,
    seed: &StockControlSeed,
    now: i64,
) -> Result<Option<StockControlSeeded>, ServiceError> {
    use shared::allocation::{AllocationConfig, AllocationRule, ChannelShare, Plan, Share, SkuGroup, Switch};
    use shared::campaign::{CampaignRequest, LockLineInput, PresaleLineInput, PresaleRequest};
    use shared::order::Channel;
    use shared::quantity::Qty;
    let [(first, style), (second, _), (third, _), (fourth, _), ..] = &seed.deep_skus[..] else { return Ok(None) };
    let qty = |n: i64| Qty::new(n).map_err(|e| ServiceError::invalid("invalid_qty", e.to_string()));
    let share = |channel, share| ChannelShare { channel, share, daily_cap: None };
    let rule = format!("style-{style}");
    let allocation = AllocationConfig {
        rules: vec![AllocationRule {
            name: rule.clone(),
            group: SkuGroup::Style { style: style.clone() },
            deep: Plan::share_all(),
            shallow: Some(Plan {
                safety_units: 10,
                channels: vec![
                    share(Channel::MiniProgram, Share::Priority { rank: 0, max_units: Some(100) }),
                    share(Channel::Tmall, Share::Ratio { percent: 40 }),
                    share(Channel::Jd, Share::Ratio { percent: 20 }),
                    ChannelShare { channel: Channel::Douyin, share: Share::Shared, daily_cap: Some(50) },
                ],
            }),
            switch: Some(Switch { below: 500, back_at: 600 }),
        }],
        ..AllocationConfig::default()
    };
    super::allocation::put_config(tx, &allocation, now)?;
    const DAY_MS: i64 = 86_400_000;
    super::campaigns::create_campaign(
        tx,
        &CampaignRequest {
            code: DEMO_CAMPAIGN.into(),
            name: "双11 直播 A场".into(),
            starts_ms: now,
            ends_ms: now + 7 * DAY_MS,
            lines: [first, second]
                .into_iter()
                .map(|sku| Ok(LockLineInput { sku_code: sku.clone(), node_code: None, qty: qty(30)? }))
                .collect::<Result<_, ServiceError>>()?,
        },
        now,
    )?;
    super::campaigns::create_presale(
        tx,
        &PresaleRequest {
            code: DEMO_PRESALE.into(),
            name: "冬季新品预售".into(),
            node_code: seed.warehouse.clone(),
            promise_ms: now + 10 * DAY_MS,
            lines: [third, fourth]
                .into_iter()
                .map(|sku| Ok(PresaleLineInput { sku_code: sku.clone(), expected: qty(300)?, quota: Some(qty(200)?) }))
                .collect::<Result<_, ServiceError>>()?,
        },
        now,
    )?;
    Ok(Some(StockControlSeeded { campaign: DEMO_CAMPAIGN.into(), presale: DEMO_PRESALE.into(), allocation_rule: rule }))
}
