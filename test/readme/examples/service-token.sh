# Started with: TURNSTORE_TOKEN=s3cret-token npm start
curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:8080/v1/stats
# 401
curl -s -H 'Authorization: Bearer s3cret-token' http://127.0.0.1:8080/v1/stats
# {"conversations":0,"turns":0,"bytes":0,"evictions":{"ttl":0,"lru":0,"bytes":0}}
