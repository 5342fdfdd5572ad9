# The question, and the assistant's turn calling a tool (arguments: the model's JSON text)
curl -s -X POST http://127.0.0.1:8080/v1/conversations/trip/turns \
  -H 'Content-Type: application/json' \
  -d '{"turns": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": "", "toolCalls": [{"id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]}]}'
# {"id":"trip","appended":2}

# The tool's result, naming the call it answers; metadata is any JSON object of your own
curl -s -X POST http://127.0.0.1:8080/v1/conversations/trip/turns \
  -H 'Content-Type: application/json' \
  -d '{"role": "tool", "content": "18 degrees, sunny", "toolCallId": "call_1", "metadata": {"ms": 412}}'
# {"id":"trip","appended":1}

# Read back: each turn has its fields after role, content and ts; a plain turn has none
curl -s http://127.0.0.1:8080/v1/conversations/trip
# {"id":"trip","turns":[{"role":"user","content":"Weather in Paris?","ts":1763930000.123},{"role":"assistant","content":"","ts":1763930000.123,"toolCalls":[{"id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}]},{"role":"tool","content":"18 degrees, sunny","ts":1763930000.456,"toolCallId":"call_1","metadata":{"ms":412}}]}

# A changed last message replaces its old version in one step: no reader sees both, or neither
curl -s -X POST http://127.0.0.1:8080/v1/conversations/trip/turns \
  -H 'Content-Type: application/json' \
  -d '{"turns": [{"role": "tool", "content": "19 degrees, cloudy", "toolCallId": "call_1"}], "replaceNewest": 1}'
# {"id":"trip","appended":1}

# Take the newest turn off and get it back (an agent undoing its last step); 404 once none is left
curl -s -X DELETE http://127.0.0.1:8080/v1/conversations/trip/turns/last
# {"id":"trip","turn":{"role":"tool","content":"19 degrees, cloudy","ts":1763930000.789,"toolCallId":"call_1"}}
