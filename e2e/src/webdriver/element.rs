//! Elements: a W3C element reference plus the selector that found it, so an error on a
//! stale or hidden element names what the test was looking at.

use super::{decode_png, Conn, ELEMENT_KEY};
use crate::error::{Error, Result};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

/// An element in the page. Holds its session's connection, so it can act on its own.
///
/// Leptos re-renders replace DOM nodes: an element found before a re-render may answer
/// `stale element reference` ([`Error::is_element_gone`]). Prefer finding elements right
/// before use, or use the session's waits, which retry.
#[derive(Clone)]
pub struct Element {
    conn: Conn,
    id: String,
    selector: Arc<str>,
}

impl std::fmt::Debug for Element {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Element(`{}` {})", self.selector, self.id)
    }
}

impl Element {
    pub(super) fn from_value(conn: &Conn, selector: &str, v: &Value) -> Result<Element> {
        let id = v.get(ELEMENT_KEY).and_then(Value::as_str).ok_or_else(|| Error::Protocol {
            command: format!("find element `{selector}`"),
            detail: format!("not an element reference: {v}"),
        })?;
        Ok(Element { conn: conn.clone(), id: id.to_string(), selector: selector.into() })
    }

    pub(super) fn list_from_value(conn: &Conn, selector: &str, v: &Value) -> Result<Vec<Element>> {
        let items = v.as_array().ok_or_else(|| Error::Protocol {
            command: format!("find elements `{selector}`"),
            detail: format!("not an array: {v}"),
        })?;
        items.iter().map(|item| Element::from_value(conn, selector, item)).collect()
    }

    /// The driver's id for the element.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The selector that found it.
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// The W3C element reference, to pass the element to [`super::Session::execute`].
    pub fn to_json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>, what: &str) -> Result<Value> {
        let command = format!("{what} on `{}`", self.selector);
        self.conn.call(method, &format!("/element/{}{path}", self.id), body, &command).await
    }

    /// Clicks the element's centre (scrolling it into view first).
    pub async fn click(&self) -> Result<()> {
        self.call(Method::POST, "/click", None, "click").await.map(drop)
    }

    /// Types `text` into the element (see [`super::keys`] for Enter, Tab, …).
    pub async fn send_keys(&self, text: &str) -> Result<()> {
        self.call(Method::POST, "/value", Some(json!({ "text": text })), "send keys").await.map(drop)
    }

    /// Empties an input or text area.
    pub async fn clear(&self) -> Result<()> {
        self.call(Method::POST, "/clear", None, "clear").await.map(drop)
    }

    /// The rendered text of the element (as a user would see it).
    pub async fn text(&self) -> Result<String> {
        let v = self.call(Method::GET, "/text", None, "get text").await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// An HTML attribute, `None` when absent.
    pub async fn attribute(&self, name: &str) -> Result<Option<String>> {
        let v = self.call(Method::GET, &format!("/attribute/{name}"), None, &format!("get attribute {name}")).await?;
        Ok(match v {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        })
    }

    /// A DOM property (e.g. `value`, `checked`, `disabled`), as JSON.
    pub async fn property(&self, name: &str) -> Result<Value> {
        self.call(Method::GET, &format!("/property/{name}"), None, &format!("get property {name}")).await
    }

    /// The current `value` of an input.
    pub async fn value(&self) -> Result<String> {
        Ok(match self.property("value").await? {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        })
    }

    /// Whether the element is displayed (the W3C "element displayedness" check).
    pub async fn is_displayed(&self) -> Result<bool> {
        let v = self.call(Method::GET, "/displayed", None, "is displayed").await?;
        Ok(v.as_bool().unwrap_or(false))
    }

    /// Whether the element is enabled (not a disabled form control).
    pub async fn is_enabled(&self) -> Result<bool> {
        let v = self.call(Method::GET, "/enabled", None, "is enabled").await?;
        Ok(v.as_bool().unwrap_or(false))
    }

    /// The first descendant matching `css`.
    pub async fn find(&self, css: &str) -> Result<Element> {
        let body = json!({ "using": "css selector", "value": css });
        let v = self.call(Method::POST, "/element", Some(body), &format!("find `{css}`")).await?;
        Element::from_value(&self.conn, &format!("{} {css}", self.selector), &v)
    }

    /// Every descendant matching `css`.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let body = json!({ "using": "css selector", "value": css });
        let v = self.call(Method::POST, "/elements", Some(body), &format!("find all `{css}`")).await?;
        Element::list_from_value(&self.conn, &format!("{} {css}", self.selector), &v)
    }

    /// A PNG screenshot of just this element.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.call(Method::GET, "/screenshot", None, "take element screenshot").await?;
        decode_png(&v, "take element screenshot")
    }
}
