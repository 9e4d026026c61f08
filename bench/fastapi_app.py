"""The Python reference server for bench/predict.py: FastAPI + scikit-learn serving the same model as AMP's demo
(LinearRegression on square_feet, num_bedrooms, location_code of data/demo/house_sales.csv) behind the same
/api/predict contract. Run by predict.py with uvicorn and 2 workers: what a team would write by hand.
"""

import csv
import os

import numpy as np
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from sklearn.linear_model import LinearRegression

FEATURES = ["square_feet", "num_bedrooms", "location_code"]
DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "demo", "house_sales.csv")


def _train():
    with open(DATA, newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["price"]]
    x = np.array([[float(row[name]) for name in FEATURES] for row in rows])
    y = np.array([float(row["price"]) for row in rows])
    return LinearRegression().fit(x, y)


MODEL = _train()
app = FastAPI()


class PredictRequest(BaseModel):
    model_id: str
    input_parameters: dict
    output_target: str = "price"


@app.post("/api/predict")
def predict(request: PredictRequest):
    try:
        row = np.array([[float(request.input_parameters[name]) for name in FEATURES]])
    except (KeyError, TypeError, ValueError) as error:
        raise HTTPException(status_code=422, detail=f"bad input: {error}")
    return {"prediction": float(MODEL.predict(row)[0]), "model_id": request.model_id, "model_version": 1,
            "output_target": request.output_target}
