//! Awaiting inside a function. A function may `.await` anything (an HTTP call, a database
//! query): the runtime waits for the whole batch, and other requests run meanwhile.
//! Functions with their own data implement [`StatefulFunction`].

use std::collections::HashMap;
use std::sync::Arc;

use statefun_sdk::types::DoubleType;
use statefun_sdk::{Context, Error, FunctionSpec, Message, StatefulFunction, TypeName, ValueSpec};
use tokio::sync::RwLock;

use crate::Lines;

/// Quotes a price, asking the [`QuoteService`].
pub const QUOTE: TypeName = TypeName::from_static("showcase/quote");

/// A price list shared by all invocations and updated concurrently, standing in for any
/// asynchronous service.
#[derive(Debug, Clone, Default)]
pub struct QuoteService {
    prices: Arc<RwLock<HashMap<String, f64>>>,
}

impl QuoteService {
    /// Sets the price of `item`.
    pub async fn set_price(&self, item: &str, price: f64) {
        self.prices.write().await.insert(item.to_owned(), price);
    }

    /// The price of `item`, if known.
    pub async fn price(&self, item: &str) -> Option<f64> {
        // Yield once, as any real I/O would, so the example exercises a suspended function.
        tokio::task::yield_now().await;
        self.prices.read().await.get(item).copied()
    }
}

static LAST_PRICE: ValueSpec<DoubleType> = ValueSpec::new("last_price", DoubleType);

struct Quote {
    service: QuoteService,
    lines: Lines,
}

impl StatefulFunction for Quote {
    async fn invoke(&self, ctx: &mut Context, _message: Message) -> Result<(), Error> {
        let item = ctx.address().id().to_owned();
        let Some(price) = self.service.price(&item).await else {
            return self.lines.log(ctx, format!("{item}: no price"));
        };
        let line = match ctx.storage().get(&LAST_PRICE)? {
            Some(last) if last != price => format!("{item}: {price} (was {last})"),
            _ => format!("{item}: {price}"),
        };
        ctx.storage().set(&LAST_PRICE, price)?;
        self.lines.log(ctx, line)
    }
}

/// `showcase/quote`, asking `service`.
pub fn spec(service: QuoteService, lines: Lines) -> FunctionSpec {
    FunctionSpec::from_function(QUOTE, Quote { service, lines }).with_state(&LAST_PRICE)
}
