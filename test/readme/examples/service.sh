# Append a turn; the conversation is created on first use
curl -s -X POST http://127.0.0.1:8080/v1/conversations/conv1/turns \
  -H 'Content-Type: application/json' \
  -d '{"role": "user", "content": "Hello"}'
# {"id":"conv1","appended":1}

# A user message and its reply, stored together or not at all
curl -s -X POST http://127.0.0.1:8080/v1/conversations/conv1/turns \
  -H 'Content-Type: application/json' \
  -d '{"turns": [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Paris."}]}'
# {"id":"conv1","appended":2}

# The history, oldest first (ts is Unix time in seconds)
curl -s http://127.0.0.1:8080/v1/conversations/conv1
# {"id":"conv1","turns":[{"role":"user","content":"Hello","ts":1763930000.123},{"role":"user","content":"What is the capital of France?","ts":1763930000.456},{"role":"assistant","content":"Paris.","ts":1763930000.456}]}

# An id is one URL path segment, percent-encoded: user%2F42 is the id "user/42"
curl -s http://127.0.0.1:8080/v1/conversations/user%2F42
# {"id":"user/42","turns":[]}

# Live conversations, most recently used first, and what the store holds
curl -s 'http://127.0.0.1:8080/v1/conversations?limit=10'
# {"items":[{"id":"conv1","turns":[{"role":"user","content":"Hello","ts":1763930000.123},{"role":"user","content":"What is the capital of France?","ts":1763930000.456},{"role":"assistant","content":"Paris.","ts":1763930000.456}],"lastAccess":1763930000.789}]}
curl -s http://127.0.0.1:8080/v1/stats
# {"conversations":1,"turns":3,"bytes":41,"evictions":{"ttl":0,"lru":0,"bytes":0}}

# Mistakes are answered with a status and {"error": {"code", "message"}}
curl -s -X POST http://127.0.0.1:8080/v1/conversations/conv1/turns \
  -H 'Content-Type: application/json' \
  -d '{"role": "robot", "content": "Beep"}'
# {"error":{"code":"TURNSTORE_INVALID_TURN","message":"body/role must be one of user, assistant, system, tool."}}

# Forget a conversation: 204, then 404 once it is gone
curl -s -o /dev/null -w '%{http_code}\n' -X DELETE http://127.0.0.1:8080/v1/conversations/conv1
# 204
curl -s -o /dev/null -w '%{http_code}\n' -X DELETE http://127.0.0.1:8080/v1/conversations/conv1
# 404

# For operators: liveness, readiness (the store answers) and Prometheus metrics
curl -s http://127.0.0.1:8080/healthz
# {"status":"ok"}
curl -s http://127.0.0.1:8080/readyz
# {"status":"ready"}
curl -s http://127.0.0.1:8080/metrics | grep '^turnstore_conversations'
# turnstore_conversations 0
