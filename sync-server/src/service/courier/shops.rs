//! Registering a store as a shop with a same-city rider platform (Dada's `/api/shop/add`),
//! an HQ action: a rider platform places orders only for shops it knows, under the shop
//! number the courier file gives the store. The store's name, city and position come from
//! the node HQ imported, its contact from the courier file; the call to the platform is
//! made outside any transaction and nothing is stored (the platform keeps the shop).

use crate::courier::{CourierError, Couriers, ShopToRegister};
use crate::service::{ErrorKind, ServiceError};
use crate::storage::{catalogue, Storage};
use shared::courier::{CourierMethod, ShopRegistration};

/// Registers `store` with the rider platform `platform`.
pub async fn register(
    storage: &dyn Storage,
    couriers: &Couriers,
    platform: &str,
    store: &str,
) -> Result<ShopRegistration, ServiceError> {
    let courier = couriers.by_code(platform).ok_or_else(|| ServiceError::not_found("courier platform", platform))?;
    if courier.method() != CourierMethod::SameCity {
        return Err(ServiceError::invalid(
            "not_a_rider_platform",
            format!("{platform} books express waybills: only rider platforms register shops"),
        ));
    }
    let code = store.to_string();
    let node = crate::service::read(storage, move |tx| Ok(catalogue::node(tx, &code)?))
        .await?
        .ok_or_else(|| ServiceError::not_found("store", store))?;
    let shop_no = courier.shop_no(store).ok_or_else(|| {
        ServiceError::new(
            ErrorKind::NotFound,
            "shop_not_configured",
            format!(
                "the courier file gives {store} no shop number on {platform}: add it under [riders.{platform}.shops]"
            ),
        )
    })?;
    let contact = couriers.contact(store);
    let shop = ShopToRegister {
        shop_no: shop_no.clone(),
        name: node.name.clone(),
        city: node.city.clone(),
        address: contact.address.unwrap_or_else(|| format!("{}{}", node.city, node.name)),
        location: node.location,
        contact: contact.contact.unwrap_or_else(|| node.name.clone()),
        phone: contact.phone.unwrap_or_default(),
    };
    match courier.register_shop(&shop).await {
        Ok(station_name) => {
            tracing::info!(platform, store, shop_no = %shop_no, "store registered as a shop");
            Ok(ShopRegistration { platform: platform.into(), store: store.into(), shop_no, station_name })
        }
        Err(CourierError::Unreachable(why)) => Err(ServiceError::new(
            ErrorKind::Unavailable,
            "courier_unreachable",
            format!("{platform} could not be reached ({why}); try again later"),
        )),
        Err(e) => Err(ServiceError::invalid("platform_refused", format!("{platform} did not register {store}: {e}"))),
    }
}
