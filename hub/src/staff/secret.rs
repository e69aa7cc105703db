//! Secrets of the staff domain: passwords hashed with Argon2id (the `argon2` crate, PHC
//! strings, a random salt each), and random bearer secrets (session cookies, API tokens,
//! CSRF tokens) of which only a SHA-256 digest is stored.
//!
//! Argon2id parameters: 19 MiB memory, 2 passes, 1 lane (the OWASP minimum for Argon2id);
//! stored in each hash, so raising them later re-hashes at the next login. Bearer secrets are
//! 256 random bits: a fast hash is enough for them (no dictionary to guess from), and a
//! stolen database gives no usable cookie or token.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use ring::rand::{SecureRandom, SystemRandom};

/// Memory in KiB, passes, lanes.
pub const ARGON2_PARAMS: (u32, u32, u32) = (19 * 1024, 2, 1);

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

fn argon2() -> Argon2<'static> {
    let (m, t, p) = ARGON2_PARAMS;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(m, t, p, None).expect("valid Argon2 parameters"))
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(password.as_bytes(), &salt).expect("Argon2 hashing with valid parameters").to_string()
}

/// Checks a password against a stored PHC string; a malformed string never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A password that can be hashed in about the same time as a real one, for unknown user
/// names (so the answer's timing does not tell which accounts exist).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone"))
}

/// Why a password is refused when it is set.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!("a password of at least {MIN_PASSWORD} characters"));
    }
    if password.chars().any(char::is_control) {
        return Err("a password without control characters".into());
    }
    Ok(())
}

/// A new random secret: 32 bytes, base64url without padding (43 characters), with a prefix
/// that says what it is (`aula_s_` session, `aula_t_` token, `aula_c_` CSRF).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new().fill(&mut bytes).expect("the system random generator works");
    format!("{prefix}{}", base64url(&bytes))
}

/// A random password for `staff add` without one (16 characters of base64url).
pub fn new_password() -> String {
    let mut bytes = [0u8; 12];
    SystemRandom::new().fill(&mut bytes).expect("the system random generator works");
    base64url(&bytes)
}

/// The stored form of a bearer secret.
pub fn digest(secret: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, secret.as_bytes()).as_ref().to_vec()
}

/// Constant-time equality for secrets compared outside the database (CSRF tokens).
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("correct horse battery", "not a phc string"));
        assert_ne!(h, hash_password("correct horse battery"), "a fresh salt each time");
    }

    #[test]
    fn secrets_are_random_prefixed_and_stored_only_as_digests() {
        let a = new_secret("aula_s_");
        let b = new_secret("aula_s_");
        assert_ne!(a, b);
        assert_eq!(a.len(), "aula_s_".len() + 43);
        assert!(a["aula_s_".len()..].bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'), "{a}");
        assert_eq!(digest(&a).len(), 32);
        assert_ne!(digest(&a), digest(&b));
        assert!(same(&a, &a.clone()) && !same(&a, &b));
    }

    #[test]
    fn short_passwords_are_refused_with_what_is_expected() {
        assert!(check_new_password("short").unwrap_err().contains("at least 10"));
        assert!(check_new_password("long enough pass").is_ok());
    }
}
