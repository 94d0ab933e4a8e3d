/** Every path of the NemoVideo API (docs/cloud-protocol.md), written once. `me` in a path: the user is the token's. */
export const endpoints = {
  anonymousToken: '/api/auth/anonymous-token',
  newSession: '/api/tasks/me/with-session/nemo_agent',
  upload: (sessionId: string) => `/api/upload-video/nemo_agent/me/${encodeURIComponent(sessionId)}`,
  chat: '/run_sse',
  credits: '/api/credits/balance/simple',
  state: (sessionId: string) => `/api/state/nemo_agent/me/${encodeURIComponent(sessionId)}/latest`,
  render: '/api/render/proxy/lambda',
  renderStatus: (renderId: string) => `/api/render/proxy/lambda/${encodeURIComponent(renderId)}`,
} as const;
