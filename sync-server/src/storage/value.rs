//! The values that cross the [`super::Tx`] boundary.

use super::StorageError;

/// A SQL value. Booleans are integers 0/1, times are Unix milliseconds, money is fen.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL.
    Null,
    /// 64-bit integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::Int(v as i64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(v as i64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<uuid::Uuid> for Value {
    fn from(v: uuid::Uuid) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<&uuid::Uuid> for Value {
    fn from(v: &uuid::Uuid) -> Self {
        Value::Text(v.to_string())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value, StorageError> {
        self.0.get(i).ok_or_else(|| StorageError::Decode(format!("no column {i}")))
    }

    /// An integer column.
    pub fn i64(&self, i: usize) -> Result<i64, StorageError> {
        match self.get(i)? {
            Value::Int(v) => Ok(*v),
            other => Err(StorageError::Decode(format!("column {i}: expected integer, got {other:?}"))),
        }
    }

    /// A nullable integer column.
    pub fn opt_i64(&self, i: usize) -> Result<Option<i64>, StorageError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.i64(i).map(Some),
        }
    }

    /// A text column.
    pub fn text(&self, i: usize) -> Result<String, StorageError> {
        match self.get(i)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(StorageError::Decode(format!("column {i}: expected text, got {other:?}"))),
        }
    }

    /// A nullable text column.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>, StorageError> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// A boolean stored as 0/1.
    pub fn bool(&self, i: usize) -> Result<bool, StorageError> {
        Ok(self.i64(i)? != 0)
    }

    /// A UUID stored as text.
    pub fn uuid(&self, i: usize) -> Result<uuid::Uuid, StorageError> {
        let s = self.text(i)?;
        uuid::Uuid::parse_str(&s).map_err(|e| StorageError::Decode(format!("column {i}: {e}")))
    }
}
