# A user message and its reply, stored together; the conversation is created on first use
curl -s -X POST http://127.0.0.1:8080/v1/conversations/conv1/turns \
  -H 'Content-Type: application/json' \
  -d '{"turns": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi!"}]}'
# {"id":"conv1","appended":2}

# The history, oldest first (ts is Unix time in seconds)
curl -s http://127.0.0.1:8080/v1/conversations/conv1
# {"id":"conv1","turns":[{"role":"user","content":"Hello","ts":1763930000.123},{"role":"assistant","content":"Hi!","ts":1763930000.123}]}
