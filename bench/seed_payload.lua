-- wrk script: POST the seed client's payload to /api/predict (the model id is passed in the MODEL_ID env var).
local model_id = os.getenv("MODEL_ID") or "House Price Linear Regression"
wrk.method = "POST"
wrk.path = "/api/predict"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model_id": "' .. model_id .. '", "input_parameters": {"square_feet": 1650, "num_bedrooms": 3, ' ..
           '"location_code": 100}, "output_target": "price"}'

local non_2xx = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then non_2xx = non_2xx + 1 end
end
