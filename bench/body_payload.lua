-- wrk script: POST the JSON body in the BODY environment variable to /api/predict (for contenders whose payload
-- is not the seed client's, e.g. the tree model in predict.py --trees).
wrk.method = "POST"
wrk.path = "/api/predict"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY")
