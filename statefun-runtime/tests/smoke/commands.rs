//! Upstream's smoke-test commands (`commands.proto`, package
//! `org.apache.flink.statefun.e2e.smoke`), a seeded generator for them, and the tracker that
//! computes each address's expected counter.

use prost::{Message, Oneof};

#[derive(Clone, PartialEq, Message)]
pub struct SourceCommand {
    #[prost(int32, tag = "1")]
    pub target: i32,
    #[prost(message, optional, tag = "2")]
    pub commands: Option<Commands>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Commands {
    #[prost(message, repeated, tag = "1")]
    pub command: Vec<Command>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Command {
    #[prost(oneof = "Kind", tags = "1, 2, 3, 4, 6, 7")]
    pub command: Option<Kind>,
}

#[derive(Clone, PartialEq, Oneof)]
pub enum Kind {
    #[prost(message, tag = "1")]
    Increment(IncrementState),
    #[prost(message, tag = "2")]
    Send(Send),
    #[prost(message, tag = "3")]
    SendAfter(SendAfter),
    #[prost(message, tag = "4")]
    SendEgress(SendEgress),
    #[prost(message, tag = "6")]
    Verify(Verify),
    #[prost(message, tag = "7")]
    CancelSendAfter(CancelSendAfter),
}

#[derive(Clone, PartialEq, Message)]
pub struct IncrementState {}

#[derive(Clone, PartialEq, Message)]
pub struct Send {
    #[prost(int32, tag = "1")]
    pub target: i32,
    #[prost(message, optional, tag = "2")]
    pub commands: Option<Commands>,
}

#[derive(Clone, PartialEq, Message)]
pub struct SendAfter {
    #[prost(int32, tag = "1")]
    pub target: i32,
    #[prost(message, optional, tag = "2")]
    pub commands: Option<Commands>,
    #[prost(string, tag = "3")]
    pub cancellation_token: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct CancelSendAfter {
    #[prost(int32, tag = "1")]
    pub target: i32,
    #[prost(string, tag = "2")]
    pub cancellation_token: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct SendEgress {}

#[derive(Clone, PartialEq, Message)]
pub struct Verify {
    #[prost(int64, tag = "1")]
    pub expected: i64,
}

/// splitmix64: small, seeded, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Upstream's generator parameters (`SmokeRunnerParameters`), cancellation included.
pub struct Generator {
    rng: Rng,
    addresses: i32,
    depth: u64,
    per_depth: u64,
    tokens: u64,
}

const WEIGHTS: [(&str, f64); 6] = [
    ("increment", 0.4),
    ("send", 0.9),
    ("send_after", 0.1),
    ("noop", 0.2),
    ("send_egress", 0.03),
    ("send_after_cancelled", 0.1),
];

impl Generator {
    pub fn new(seed: u64, addresses: i32) -> Self {
        Self {
            rng: Rng::new(seed),
            addresses,
            depth: 10,
            per_depth: 3,
            tokens: 0,
        }
    }

    pub fn source_command(&mut self) -> SourceCommand {
        let depth = self.rng.below(self.depth);
        SourceCommand {
            target: self.target(),
            commands: Some(self.commands(depth)),
        }
    }

    fn target(&mut self) -> i32 {
        self.rng.below(self.addresses as u64) as i32
    }

    fn commands(&mut self, depth: u64) -> Commands {
        let mut command = Vec::new();
        if depth > 0 {
            for _ in 0..self.rng.below(self.per_depth) {
                self.push_random(&mut command, depth);
            }
        }
        if command.is_empty() {
            command.push(kind(Kind::Increment(IncrementState {})));
        }
        Commands { command }
    }

    fn push_random(&mut self, out: &mut Vec<Command>, depth: u64) {
        let total: f64 = WEIGHTS.iter().map(|(_, weight)| weight).sum();
        let mut pick = self.rng.unit() * total;
        let mut choice = WEIGHTS[0].0;
        for (name, weight) in WEIGHTS {
            if pick < weight {
                choice = name;
                break;
            }
            pick -= weight;
        }
        match choice {
            "increment" => out.push(kind(Kind::Increment(IncrementState {}))),
            "send" => {
                let target = self.target();
                let commands = Some(self.commands(depth - 1));
                out.push(kind(Kind::Send(Send { target, commands })));
            }
            "send_after" => {
                let target = self.target();
                let commands = Some(self.commands(depth - 1));
                out.push(kind(Kind::SendAfter(SendAfter {
                    target,
                    commands,
                    cancellation_token: String::new(),
                })));
            }
            "send_egress" => out.push(kind(Kind::SendEgress(SendEgress {}))),
            "send_after_cancelled" => {
                let target = self.target();
                self.tokens += 1;
                let token = format!("token-{}", self.tokens);
                out.push(kind(Kind::SendAfter(SendAfter {
                    target,
                    commands: None,
                    cancellation_token: token.clone(),
                })));
                out.push(kind(Kind::CancelSendAfter(CancelSendAfter {
                    target,
                    cancellation_token: token,
                })));
            }
            _ => {}
        }
    }
}

fn kind(kind: Kind) -> Command {
    Command {
        command: Some(kind),
    }
}

/// Adds to `expected` every increment that `commands`, run at `at`, leads to.
pub fn track(expected: &mut [i64], at: i32, commands: &Commands) {
    for command in &commands.command {
        match &command.command {
            Some(Kind::Increment(_)) => expected[at as usize] += 1,
            Some(Kind::Send(Send { target, commands }))
            | Some(Kind::SendAfter(SendAfter {
                target, commands, ..
            })) => {
                if let Some(commands) = commands {
                    track(expected, *target, commands);
                }
            }
            _ => {}
        }
    }
}

/// Encodes a message of this module.
pub fn encode(message: &impl Message) -> Vec<u8> {
    message.encode_to_vec()
}
