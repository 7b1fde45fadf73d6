//! Logging in, the token each call carries, and the `{code, msg, data}`
//! envelope every answer comes in.

use super::*;

impl Client<'_> {
    /// Logs in and replaces the session with the answer's tokens.
    pub(super) async fn login(&mut self) -> Result<(), PollError> {
        let cfg = self.cfg;
        let client = &self.ctx.client;
        let (api, url, request) = match &cfg.auth {
            Auth::Password { password, org_id } => {
                let url = map::join(&cfg.endpoint, "/ac/openapi/v2/tokens");
                let request = client.post(url.clone()).header("user", cfg.user.as_str());
                let request = with_secret(request, "password", password);
                (
                    API_LOGIN_PASSWORD,
                    url,
                    with_secret(request, "orgId", org_id),
                )
            }
            Auth::AkSk {
                access_key_id,
                secret_access_key,
                login_endpoint,
            } => {
                let url = map::join(login_endpoint, "/api/user/v3/tokens");
                let timestamp = (now_ms() / 1000).to_string();
                let signature = Secret::new(scnet::login_signature(
                    access_key_id,
                    secret_access_key.expose(),
                    &cfg.user,
                    &timestamp,
                ));
                let request = client
                    .post(url.clone())
                    .header("user", cfg.user.as_str())
                    .header("accessKey", access_key_id.as_str())
                    .header("timestamp", timestamp);
                (
                    API_LOGIN_AKSK,
                    url,
                    with_secret(request, "signature", &signature),
                )
            }
        };
        let request = request
            .header("content-type", "application/json")
            .header("accept", "application/json");
        let resp = self.ctx.send(api, request).await?;
        let env: Envelope = self.ctx.decode(api, &resp)?;
        let msg = shorten(env.msg.as_deref().unwrap_or(""), MESSAGE_CHARS);
        match env.code.as_deref().map(str::trim) {
            Some("0") => {}
            Some(CODE_INTERNAL) => {
                return Err(self.fail(
                    api,
                    &url,
                    Reason::UpstreamError,
                    format!("login failed: code {CODE_INTERNAL}: {msg}"),
                ))
            }
            Some(code) => {
                return Err(self.fail(
                    api,
                    &url,
                    Reason::Auth,
                    format!("login refused: code {code}: {msg}"),
                ))
            }
            None => {
                return Err(self.fail(api, &url, Reason::Decode, "the login answer has no code"))
            }
        }
        let entries = session::login_entries(env.data, api, &mut self.log)
            .map_err(|e| self.map_err(api, &url, e))?;
        let (session, notes) =
            Session::from_login(entries, &cfg.cluster_ids, now_ms()).map_err(|e| {
                let reason = match e {
                    SessionError::MissingClusterId => Reason::Decode,
                    _ => Reason::Auth,
                };
                self.fail(api, &url, reason, e.to_string())
            })?;
        for (id, name) in &notes.without_token {
            tracing::warn!(
                user = %cfg.user,
                region = %id,
                region_name = %name,
                "the login gave no token for this compute region (account suspended there?); skipping it"
            );
        }
        for id in &notes.missing {
            tracing::warn!(
                user = %cfg.user,
                region = %id,
                "configured cluster id is not among the user's compute regions"
            );
        }
        for id in &notes.unknown_expiry {
            tracing::warn!(
                user = %cfg.user,
                region = %id,
                "token has no future expireTime (clocks disagree?); it will be replaced when the platform rejects it"
            );
        }
        tracing::debug!(user = %cfg.user, regions = session.regions.len(), "logged in");
        self.state.session = Some(session);
        Ok(())
    }

    /// The region's current token, cloned so no borrow of the state is held
    /// across a request.
    pub(super) fn token_for(
        &self,
        api: &str,
        cluster_id: &str,
        url: &Url,
    ) -> Result<Secret, PollError> {
        self.state
            .session
            .as_ref()
            .and_then(|s| s.token(cluster_id))
            .cloned()
            .ok_or_else(|| {
                self.fail(
                    api,
                    url,
                    Reason::Auth,
                    format!("no token for compute region {cluster_id} after logging in again"),
                )
            })
    }

    /// GETs `url` with the region's token and unwraps the envelope. A rejected
    /// token (code 10008, or HTTP 401/403) makes the first such call of a poll log
    /// in again and retry once; the rejection stays counted as an `auth` failure.
    pub(super) async fn token_call(
        &mut self,
        api: &str,
        cluster_id: &str,
        url: &Url,
    ) -> Result<Value, PollError> {
        loop {
            let token = self.token_for(api, cluster_id, url)?;
            let request = with_secret(self.ctx.client.get(url.clone()), "token", &token)
                .header("accept", "application/json");
            match self.envelope(api, url, request).await {
                Err(e) if e.reason == Reason::Auth && !self.relogged => {
                    self.relogged = true;
                    tracing::info!(
                        user = %self.cfg.user,
                        region = %cluster_id,
                        api,
                        "token rejected; logging in again and retrying once"
                    );
                    self.login().await?;
                }
                other => return other,
            }
        }
    }

    /// Sends and unwraps `{code, msg, data}`: `data` when `code` is "0".
    pub(super) async fn envelope(
        &self,
        api: &str,
        url: &Url,
        request: RequestBuilder,
    ) -> Result<Value, PollError> {
        let resp = self.ctx.send(api, request).await?;
        let env: Envelope = self.ctx.decode(api, &resp)?;
        let msg = shorten(env.msg.as_deref().unwrap_or(""), MESSAGE_CHARS);
        match env.code.as_deref().map(str::trim) {
            Some("0") => Ok(env.data),
            Some(CODE_TOKEN_REJECTED) => Err(self.fail(
                api,
                url,
                Reason::Auth,
                format!("code {CODE_TOKEN_REJECTED}: {msg}"),
            )),
            Some(code) => Err(self.fail(
                api,
                url,
                Reason::UpstreamError,
                format!("code {code}: {msg}"),
            )),
            None => Err(self.fail(api, url, Reason::Decode, "the answer has no code")),
        }
    }
}
