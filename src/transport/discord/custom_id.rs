//! The `custom_id`s of the components the bot sends: render writes them,
//! payload reads them back, so both sides name them from here.

/// Custom id prefix of a confirmation button.
pub const CONFIRM: &str = "confirm:";
/// Custom id prefix of a confirmation that needs the account typed back
/// (the button opens a modal; the modal carries the same id).
pub const CONFIRM_TYPED: &str = "confirm-typed:";
/// Custom id prefix of a dismiss button.
pub const DISMISS: &str = "dismiss:";
/// Custom id prefix of a numbered choice button.
pub const CHOICE: &str = "choice:";
/// Custom id of the modal's account input.
pub const ACCOUNT_INPUT: &str = "account";
/// Custom id prefix of a feedback button: `feedback:<yes|no|ask>:<answer key>`.
pub const FEEDBACK: &str = "feedback:";
