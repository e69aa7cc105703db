//! The drop box as the headless agent sees it: debounced GPIO inputs
//! ([`aula_hardware::gpio::InputEvent`]) become [`DeviceEvent`]s for the outbox. Pure
//! mapping; the `aula-agent` binary does the wiring.

use aula_hardware::gpio::InputRole;
use aula_protocol::{BoxId, DeviceEvent, EmptiedBy};
use serde::Deserialize;

/// `[dropbox]` section of the agent's config file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropBoxConfig {
    /// The box this device watches, e.g. `lobby`.
    pub box_id: BoxId,
}

/// The event an input change means, if any. The lid reports both edges (opened and
/// closed: the ledger needs both); the emptied switch and the help button report presses.
/// Printer sensor lines give nothing here: they go through
/// [`aula_hardware::condition::PrinterCondition`], which merges them with the printer's own
/// status and reports a [`DeviceEvent::Printer`] only when the merged state changes.
pub fn input_event(box_id: &BoxId, role: InputRole, active: bool) -> Option<DeviceEvent> {
    match (role, active) {
        (InputRole::Lid, open) => Some(DeviceEvent::Lid { box_id: box_id.clone(), open }),
        (InputRole::Emptied, true) => Some(DeviceEvent::BoxEmptied { box_id: box_id.clone(), by: EmptiedBy::Switch }),
        (InputRole::HelpButton, true) => Some(DeviceEvent::HelpButton),
        (InputRole::PaperNearEnd | InputRole::CoverOpen, _) => None,
        (InputRole::Emptied | InputRole::HelpButton, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_map_to_events() {
        let b = BoxId::new("lobby").unwrap();
        let check = |role, active, expected: Option<DeviceEvent>| assert_eq!(input_event(&b, role, active), expected);
        check(InputRole::Lid, true, Some(DeviceEvent::Lid { box_id: b.clone(), open: true }));
        check(InputRole::Lid, false, Some(DeviceEvent::Lid { box_id: b.clone(), open: false }));
        check(InputRole::Emptied, true, Some(DeviceEvent::BoxEmptied { box_id: b.clone(), by: EmptiedBy::Switch }));
        check(InputRole::Emptied, false, None);
        check(InputRole::HelpButton, true, Some(DeviceEvent::HelpButton));
        check(InputRole::HelpButton, false, None);
        check(InputRole::CoverOpen, true, None);
        check(InputRole::PaperNearEnd, true, None);
    }
}
