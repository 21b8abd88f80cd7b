//! Store staff: one manager and three associates per store.

use crate::names;
use crate::{DEMO_ASSOCIATE_PIN, DEMO_MANAGER_PIN, DEMO_STORE};
use rand::rngs::StdRng;
use rand::Rng;
use shared::node::Node;
use shared::staff::{Role, StaffInput};

/// Associates per store besides the manager.
const ASSOCIATES: usize = 3;

fn pin(rng: &mut StdRng) -> String {
    let len = rng.gen_range(4..=6);
    (0..len).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

/// Staff for every store node. The demo store's PINs are fixed so a presenter can log in.
pub(crate) fn build(nodes: &[Node], rng: &mut StdRng) -> Vec<StaffInput> {
    let mut staff = Vec::new();
    for store in nodes.iter().filter(|n| n.kind.is_store()) {
        let demo = store.code == DEMO_STORE;
        let mut push = |id: String, role: Role, pin: String, rng: &mut StdRng| {
            staff.push(StaffInput { id, store_code: store.code.clone(), name: names::person(rng), role, pin });
        };
        let manager_pin = if demo { DEMO_MANAGER_PIN.to_string() } else { pin(rng) };
        push(format!("{}-M1", store.code), Role::Manager, manager_pin, rng);
        for a in 1..=ASSOCIATES {
            let associate_pin = if demo { DEMO_ASSOCIATE_PIN.to_string() } else { pin(rng) };
            push(format!("{}-A{a}", store.code), Role::Associate, associate_pin, rng);
        }
    }
    staff
}
