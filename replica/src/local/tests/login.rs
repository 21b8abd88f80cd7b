//! Staff PIN login, offline.

use super::*;

#[test]
fn pin_login_works_offline_and_locks_out_after_five_wrong_pins() {
    let fx = fixture();
    let s = fx.r.login(ASSOCIATE, PIN, NOW_MS).unwrap();
    assert_eq!((s.id.as_str(), s.role, s.active), (ASSOCIATE, Role::Associate, true));
    assert_eq!(fx.r.login(MANAGER, PIN, NOW_MS).unwrap().role, Role::Manager);

    // A success resets the count.
    assert_eq!(fx.r.login(ASSOCIATE, "0000", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: 4 });
    fx.r.login(ASSOCIATE, PIN, NOW_MS).unwrap();
    for left in (1..DeviceRules::default().pickup_max_attempts).rev() {
        assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: left });
    }
    let until = NOW_MS + i64::from(DeviceRules::default().pickup_lockout_minutes) * 60_000;
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    // Locked: even the right PIN is refused, and the lock survives reopening the file.
    assert_eq!(fx.r.login(ASSOCIATE, PIN, NOW_MS + 1).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    let reopened = Replica::open(&fx.path).unwrap();
    assert_eq!(reopened.login(ASSOCIATE, PIN, until - 1).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    // Other staff are not affected.
    reopened.login(MANAGER, PIN, NOW_MS + 1).unwrap();
    // Guessing on after a lockout locks for twice as long, also across a restart.
    for _ in 0..DeviceRules::default().pickup_max_attempts - 1 {
        reopened.login(ASSOCIATE, "9999", until).unwrap_err();
    }
    let twice = until + 2 * i64::from(DeviceRules::default().pickup_lockout_minutes) * 60_000;
    assert_eq!(reopened.login(ASSOCIATE, "9999", until).unwrap_err(), ReplicaError::LockedOut { until_ms: twice });
    let again = Replica::open(&fx.path).unwrap();
    assert_eq!(again.login(ASSOCIATE, PIN, twice - 1).unwrap_err(), ReplicaError::LockedOut { until_ms: twice });
    assert_eq!(again.login(ASSOCIATE, PIN, twice).unwrap().id, ASSOCIATE);

    assert!(matches!(fx.r.login("NOBODY", PIN, NOW_MS), Err(ReplicaError::NotFound { .. })));
    assert!(matches!(fx.r.login(RETIRED, PIN, NOW_MS), Err(ReplicaError::NotFound { .. })));
}

#[test]
fn the_attempt_limit_and_lockout_hq_set_arrive_with_a_pull_and_apply_offline() {
    let fx = fixture();
    assert_eq!(fx.r.rules().unwrap(), DeviceRules::default(), "defaults before HQ says otherwise");
    let rules = DeviceRules { pickup_max_attempts: 3, pickup_lockout_minutes: 40, ..DeviceRules::default() };
    let mut p = page(vec![]);
    p.rules = rules;
    fx.r.apply_pull(&p).unwrap();
    assert_eq!(fx.r.rules().unwrap(), rules);
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: 2 });
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::WrongPin { attempts_left: 1 });
    let until = NOW_MS + 40 * 60_000;
    assert_eq!(fx.r.login(ASSOCIATE, "9999", NOW_MS).unwrap_err(), ReplicaError::LockedOut { until_ms: until });
    // The rules survive a restart of the app (they live in the replica file).
    assert_eq!(Replica::open(&fx.path).unwrap().rules().unwrap(), rules);
}

#[test]
fn a_pin_change_from_hq_takes_effect_with_the_next_pull() {
    let fx = fixture();
    let mut s = staff(ASSOCIATE, Role::Associate, true);
    s.pin_hash = hash_secret("5678", b"another-salt-0123456", 1000);
    fx.r.apply_pull(&page(vec![Change::Staff(s)])).unwrap();
    assert!(matches!(fx.r.login(ASSOCIATE, PIN, NOW_MS), Err(ReplicaError::WrongPin { .. })));
    fx.r.login(ASSOCIATE, "5678", NOW_MS).unwrap();
    // Deactivated at HQ: no more login, no more actions.
    fx.r.apply_pull(&page(vec![Change::Staff(staff(ASSOCIATE, Role::Associate, false))])).unwrap();
    assert!(matches!(fx.r.login(ASSOCIATE, "5678", NOW_MS), Err(ReplicaError::NotFound { .. })));
}
