import requests
response = requests.get("http://localhost:8080/api/model")
if response.status_code == 200:
    model_list = response.json()
    linear_regresssion_id = None
    for model in model_list:
        if "linear regression" in model["name"].lower():
            linear_regresssion_id = model["id"]
    if linear_regresssion_id is not None:
        input_paramters = {"square_feet": 1650, "num_bedrooms": 3, "location_code": 100}
        output_target = "price"
        payload = {"model_id": linear_regresssion_id, "input_parameters": input_paramters, "output_target": output_target}
        response = requests.post("http://localhost:8080/api/predict", json=payload)
        if response.status_code == 200:
            result = response.json()
            print(result["prediction"])
else:
    print("Error occurred while getting models list.")
