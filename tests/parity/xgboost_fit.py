"""How the XGBoost parity scripts fit python3-xgboost, as AMP's booster_trainer does: tree_method "hist", one
thread, the case's seed and parameters, and early stopping on a validation fold when the case asks for it."""


def fit_xgboost(estimator_class, case, x, y, train_rows, validation_rows):
    """Fits estimator_class (XGBRegressor or XGBClassifier) on x[train_rows]; returns (model, best_iteration),
    best_iteration being -1 without early stopping."""
    params = dict(case["params"])
    model = estimator_class(tree_method="hist", n_jobs=1, random_state=case["seed"], **params)
    fit_args = {}
    early_stopping = bool(params.get("early_stopping_rounds"))
    if early_stopping:
        fit_args = {"eval_set": [(x[validation_rows], y[validation_rows])], "verbose": False}
    model.fit(x[train_rows], y[train_rows], **fit_args)
    return model, int(model.best_iteration) if early_stopping else -1
