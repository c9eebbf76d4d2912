//! Discord's numeric wire types as enums: interaction types (what arrived),
//! callback types (how the initial response answers) and component types
//! (what a message or modal contains). The wire keeps numbers; the code
//! matches on names.

/// Discord's `InteractionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractionType {
    /// PING, sent when the endpoint URL is saved and as health probes.
    Ping,
    /// A slash command.
    ApplicationCommand,
    /// A button or select menu.
    MessageComponent,
    /// Option autocompletion.
    Autocomplete,
    /// A modal was submitted.
    ModalSubmit,
}

impl TryFrom<u8> for InteractionType {
    /// The number Discord sent, when it names no type this bot handles.
    type Error = u8;

    fn try_from(value: u8) -> Result<Self, u8> {
        Ok(match value {
            1 => InteractionType::Ping,
            2 => InteractionType::ApplicationCommand,
            3 => InteractionType::MessageComponent,
            4 => InteractionType::Autocomplete,
            5 => InteractionType::ModalSubmit,
            other => return Err(other),
        })
    }
}

impl From<InteractionType> for u8 {
    fn from(kind: InteractionType) -> u8 {
        match kind {
            InteractionType::Ping => 1,
            InteractionType::ApplicationCommand => 2,
            InteractionType::MessageComponent => 3,
            InteractionType::Autocomplete => 4,
            InteractionType::ModalSubmit => 5,
        }
    }
}

impl InteractionType {
    /// The `kind` label of the interaction metrics.
    pub fn label(self) -> &'static str {
        match self {
            InteractionType::Ping => "ping",
            InteractionType::ApplicationCommand => "command",
            InteractionType::MessageComponent => "component",
            InteractionType::Autocomplete => "autocomplete",
            InteractionType::ModalSubmit => "modal",
        }
    }
}

/// Discord's `InteractionCallbackType`: the `type` of an initial response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackType {
    /// PONG.
    Pong,
    /// CHANNEL_MESSAGE_WITH_SOURCE.
    Message,
    /// DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE.
    DeferredMessage,
    /// DEFERRED_UPDATE_MESSAGE (components only).
    DeferredUpdate,
    /// APPLICATION_COMMAND_AUTOCOMPLETE_RESULT.
    AutocompleteResult,
    /// MODAL.
    Modal,
}

impl From<CallbackType> for u8 {
    fn from(kind: CallbackType) -> u8 {
        match kind {
            CallbackType::Pong => 1,
            CallbackType::Message => 4,
            CallbackType::DeferredMessage => 5,
            CallbackType::DeferredUpdate => 6,
            CallbackType::AutocompleteResult => 8,
            CallbackType::Modal => 9,
        }
    }
}

impl TryFrom<u8> for CallbackType {
    /// The number, when it names no callback type this bot sends.
    type Error = u8;

    fn try_from(value: u8) -> Result<Self, u8> {
        Ok(match value {
            1 => CallbackType::Pong,
            4 => CallbackType::Message,
            5 => CallbackType::DeferredMessage,
            6 => CallbackType::DeferredUpdate,
            8 => CallbackType::AutocompleteResult,
            9 => CallbackType::Modal,
            other => return Err(other),
        })
    }
}

/// Discord's component types, as far as the bot builds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentType {
    /// A row holding buttons or one text input.
    ActionRow,
    /// A button.
    Button,
    /// A text input in a modal.
    TextInput,
}

impl From<ComponentType> for u8 {
    fn from(kind: ComponentType) -> u8 {
        match kind {
            ComponentType::ActionRow => 1,
            ComponentType::Button => 2,
            ComponentType::TextInput => 4,
        }
    }
}

impl TryFrom<u8> for ComponentType {
    /// The number, when it names no component type this bot builds.
    type Error = u8;

    fn try_from(value: u8) -> Result<Self, u8> {
        Ok(match value {
            1 => ComponentType::ActionRow,
            2 => ComponentType::Button,
            4 => ComponentType::TextInput,
            other => return Err(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_numbers_round_trip() {
        for n in 0..=u8::MAX {
            if let Ok(kind) = InteractionType::try_from(n) {
                assert_eq!(u8::from(kind), n);
            }
            if let Ok(kind) = CallbackType::try_from(n) {
                assert_eq!(u8::from(kind), n);
            }
            if let Ok(kind) = ComponentType::try_from(n) {
                assert_eq!(u8::from(kind), n);
            }
        }
        assert_eq!(InteractionType::try_from(42), Err(42));
    }
}
