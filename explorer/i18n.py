"""Every user-facing string, in Spanish and English.

One table serves two mechanisms: ``explorer.ui.common`` hands it to ``gr.I18n`` for static labels
(translated in the browser), and Python code calls :func:`t` for text it computes (plot titles, axis
labels, status lines, error messages), keyed by the session's language. Keys use underscores, not
dots: the front end's i18n library reads dots as nesting.
"""
from __future__ import annotations

LANGS = ("es", "en")
DEFAULT_LANG = "en"

TEXT: dict[str, dict[str, str]] = {
    "es": {
        # app
        "app_title": "Deep Learning Explorer",
        "app_tagline": "Mira cómo aprende una red neuronal: entrena, observa y pregunta.",
        "lang_label": "Idioma / Language",
        # train tab: static
        "tab_train": "Entrenar",
        "train_intro": (
            "Entrena una red convolucional sobre **Fashion-MNIST** (70 000 prendas de 28×28 píxeles) "
            "y mira, en directo, cómo bajan las pérdidas, cómo cambian los filtros de la primera capa "
            "y qué predice la red. Elige un escenario o ajusta cada parámetro tú mismo."),
        "preset_label": "Escenario",
        "preset_apply": "Cargar escenario",
        "data_section": "Datos",
        "arch_section": "Arquitectura",
        "optim_section": "Optimización y regularización",
        "dataset_label": "Conjunto de datos",
        "train_size_label": "Imágenes de entrenamiento",
        "train_size_info": "Pocas imágenes → la red memoriza (sobreajuste).",
        "augment_label": "Aumento de datos",
        "blocks_label": "Bloques convolucionales",
        "filters_label": "Filtros del primer bloque",
        "filters_info": "Cada bloque siguiente duplica los filtros (máx. 128).",
        "kernel_label": "Tamaño del kernel",
        "activation_label": "Activación",
        "batch_norm_label": "Normalización por lotes (batch norm)",
        "dropout_label": "Dropout (probabilidad)",
        "dense_label": "Neuronas de la capa densa",
        "optimizer_label": "Optimizador",
        "lr_label": "Tasa de aprendizaje (learning rate)",
        "batch_size_label": "Tamaño del lote (batch)",
        "epochs_label": "Épocas",
        "weight_decay_label": "Regularización L2 (λ)",
        "l1_label": "Regularización L1 (λ)",
        "schedule_label": "Calendario del learning rate",
        "seed_label": "Semilla",
        "start_button": "▶ Entrenar",
        "stop_button": "■ Detener",
        "summary_heading": "Arquitectura capa a capa",
        "curves_label": "Curvas de aprendizaje",
        "filters_image_label": "Filtros de la primera capa",
        "grid_image_label": "Predicciones en validación",
        "confusion_label": "Matriz de confusión (test)",
        "mistakes_label": "Errores más seguros (test)",
        "json_label": "Resumen (JSON)",
        "download_ckpt": "Descargar checkpoint (.pt)",
        "download_onnx": "Exportar a ONNX",
        "download_file": "Archivo",
        "results_section": "Al terminar",
        "export_section": "Descargar el modelo de esta sesión",
        # choices
        "opt_sgd": "SGD",
        "opt_sgd_momentum": "SGD + momento",
        "opt_adagrad": "Adagrad",
        "opt_rmsprop": "RMSProp",
        "opt_adam": "Adam",
        "act_relu": "ReLU",
        "act_tanh": "tanh",
        "act_sigmoid": "sigmoide",
        "aug_shift": "desplazar",
        "aug_rotate": "rotar",
        "aug_flip": "voltear",
        "aug_noise": "ruido",
        "sched_constant": "constante",
        "sched_onecycle": "one-cycle (Smith 2018)",
        "ds_fashion": "Fashion-MNIST",
        "ds_mnist": "MNIST (dígitos)",
        # presets
        "preset_custom": "Personalizado",
        "preset_quick": "Demo rápida (≈5 s)",
        "preset_quick_lesson": ("Una red pequeña y una sola época: en unos segundos pasa del 10 % "
                                "(azar) a más del 85 % de aciertos."),
        "preset_best": "La mejor (≈30 s)",
        "preset_best_lesson": ("Más filtros, dropout y cinco épocas con calendario one-cycle: "
                               "supera el 90 % en test."),
        "preset_overfit": "Sobreajuste con 500 imágenes",
        "preset_overfit_lesson": ("Con solo 500 imágenes y sin regularización la red memoriza: "
                                  "acierta el 100 % en entrenamiento, pero la pérdida de validación "
                                  "sube. Compara después con «Regularización»."),
        "preset_regularized": "Regularización: dropout + aumento de datos",
        "preset_regularized_lesson": ("Las mismas 500 imágenes con dropout y copias desplazadas: la "
                                      "distancia entre entrenamiento y validación se reduce y la "
                                      "pérdida de validación deja de subir."),
        "preset_lr_high": "Learning rate demasiado alto",
        "preset_lr_high_lesson": ("SGD con una tasa de aprendizaje 100 veces mayor de lo razonable: "
                                  "la pérdida se dispara o se estanca y la red se queda en el 10 %."),
        "preset_sigmoid": "Sigmoide en vez de ReLU",
        "preset_sigmoid_lesson": ("Cuatro bloques con sigmoide y sin batch norm: el gradiente se "
                                  "desvanece y la red no aprende. Cambia la activación a ReLU y repite."),
        # dynamic
        "curve_loss": "Pérdida (entropía cruzada)",
        "curve_acc": "Exactitud",
        "axis_epoch": "Época",
        "axis_loss": "Pérdida (nats)",
        "axis_acc": "Exactitud (%)",
        "series_train": "entrenamiento",
        "series_val": "validación",
        "series_prev": "ejecución anterior",
        "series_batch": "entrenamiento (por lote)",
        "confusion_title": "Matriz de confusión — {n} imágenes de test, exactitud {acc} %",
        "axis_true": "Clase real",
        "axis_pred": "Clase predicha",
        "hover_count": "imágenes",
        "total_params": "Parámetros entrenables: **{n}**",
        "col_layer": "Capa",
        "col_type": "Tipo",
        "col_shape": "Forma de salida (C × H × W)",
        "col_params": "Parámetros",
        "status_idle": "Listo. Elige un escenario y pulsa **▶ Entrenar**.",
        "status_running": ("Época **{epoch}** / {epochs} · paso {step} · **{ips} imágenes/s** · "
                           "{elapsed} s · pérdida {loss}"),
        "status_done_completed": "✔ Entrenamiento completado",
        "status_done_stopped": "■ Detenido por el usuario: la red conserva lo aprendido",
        "status_done_diverged": ("⚠ La pérdida divergió (NaN/∞): el learning rate es demasiado alto. "
                                 "Los pesos ya no son útiles; bájalo y vuelve a entrenar."),
        "status_done_time_limit": "⚠ Se alcanzó el límite de tiempo de este servidor",
        "status_starting": "Empezando a entrenar una red de {n} parámetros…",
        "status_halted": "{reason}. Evaluando en las {n} imágenes de test…",
        "status_done": ("{reason} en {elapsed} s · {steps} pasos · exactitud en test **{acc} %** "
                        "(pérdida {loss})"),
        "grid_true": "real",
        "filters_legend": "azul: peso negativo · blanco: 0 · rojo: positivo",
        # errors
        "err_range": "«{field}» debe estar entre {lo} y {hi} (recibido: {value}).",
        "err_nan": "«{field}» no puede ser NaN.",
        "err_type": "«{field}» debe ser de tipo {expected} (recibido: {value}).",
        "err_choice": "«{field}» debe ser uno de {choices} (recibido: {value}).",
        "err_unknown": "Parámetro desconocido: «{field}».",
        "err_steps": ("Demasiados pasos de entrenamiento ({steps}); el máximo es {max}. Reduce las "
                      "épocas o aumenta el tamaño del lote."),
        "err_dataset_missing": "No se encuentra el conjunto de datos {name}. {how}",
        "err_no_model": "Aún no hay un modelo entrenado en esta sesión: pulsa ▶ Entrenar primero.",
        "err_preset": "Escenario desconocido: «{value}».",
        "err_export": "No se pudo exportar el modelo: {detail}",
        "err_unexpected": "Algo salió mal en el servidor ({detail}). Inténtalo de nuevo.",
        # field names inside messages
        "field_dataset": "conjunto de datos", "field_blocks": "bloques", "field_filters": "filtros",
        "field_kernel_size": "tamaño del kernel", "field_activation": "activación",
        "field_batch_norm": "batch norm", "field_dropout": "dropout", "field_dense": "capa densa",
        "field_optimizer": "optimizador", "field_lr": "learning rate", "field_batch_size": "tamaño del lote",
        "field_epochs": "épocas", "field_weight_decay": "L2", "field_l1": "L1",
        "field_augment": "aumento de datos", "field_train_size": "imágenes de entrenamiento",
        "field_schedule": "calendario", "field_seed": "semilla", "field_lang": "idioma",
        "field_preset": "escenario",
    },
    "en": {
        "app_title": "Deep Learning Explorer",
        "app_tagline": "Watch a neural network learn: train it, look inside, ask it questions.",
        "lang_label": "Idioma / Language",
        "tab_train": "Train",
        "train_intro": (
            "Train a convolutional network on **Fashion-MNIST** (70,000 clothing images of 28×28 "
            "pixels) and watch, live, the losses fall, the first-layer filters change and the "
            "network's predictions improve. Pick a scenario or set every parameter yourself."),
        "preset_label": "Scenario",
        "preset_apply": "Load scenario",
        "data_section": "Data",
        "arch_section": "Architecture",
        "optim_section": "Optimisation and regularisation",
        "dataset_label": "Dataset",
        "train_size_label": "Training images",
        "train_size_info": "Few images → the network memorises (overfitting).",
        "augment_label": "Data augmentation",
        "blocks_label": "Convolutional blocks",
        "filters_label": "Filters in the first block",
        "filters_info": "Each further block doubles the filters (max. 128).",
        "kernel_label": "Kernel size",
        "activation_label": "Activation",
        "batch_norm_label": "Batch normalisation",
        "dropout_label": "Dropout (probability)",
        "dense_label": "Dense layer units",
        "optimizer_label": "Optimizer",
        "lr_label": "Learning rate",
        "batch_size_label": "Batch size",
        "epochs_label": "Epochs",
        "weight_decay_label": "L2 regularisation (λ)",
        "l1_label": "L1 regularisation (λ)",
        "schedule_label": "Learning-rate schedule",
        "seed_label": "Seed",
        "start_button": "▶ Train",
        "stop_button": "■ Stop",
        "summary_heading": "Layer by layer",
        "curves_label": "Learning curves",
        "filters_image_label": "First-layer filters",
        "grid_image_label": "Validation predictions",
        "confusion_label": "Confusion matrix (test)",
        "mistakes_label": "Most confident mistakes (test)",
        "json_label": "Summary (JSON)",
        "download_ckpt": "Download checkpoint (.pt)",
        "download_onnx": "Export to ONNX",
        "download_file": "File",
        "results_section": "When training ends",
        "export_section": "Download this session's model",
        "opt_sgd": "SGD",
        "opt_sgd_momentum": "SGD + momentum",
        "opt_adagrad": "Adagrad",
        "opt_rmsprop": "RMSProp",
        "opt_adam": "Adam",
        "act_relu": "ReLU",
        "act_tanh": "tanh",
        "act_sigmoid": "sigmoid",
        "aug_shift": "shift",
        "aug_rotate": "rotate",
        "aug_flip": "flip",
        "aug_noise": "noise",
        "sched_constant": "constant",
        "sched_onecycle": "one-cycle (Smith 2018)",
        "ds_fashion": "Fashion-MNIST",
        "ds_mnist": "MNIST (digits)",
        "preset_custom": "Custom",
        "preset_quick": "Quick demo (≈5 s)",
        "preset_quick_lesson": ("A small network and a single epoch: in a few seconds it goes from "
                                "10 % (chance) to over 85 % correct."),
        "preset_best": "The best one (≈30 s)",
        "preset_best_lesson": ("More filters, dropout and five epochs with a one-cycle schedule: "
                               "over 90 % on the test set."),
        "preset_overfit": "Overfitting on 500 images",
        "preset_overfit_lesson": ("With only 500 images and no regularisation the network memorises: "
                                  "100 % on training data, while the validation loss climbs. Then "
                                  "compare with «Regularisation»."),
        "preset_regularized": "Regularisation: dropout + data augmentation",
        "preset_regularized_lesson": ("The same 500 images with dropout and shifted copies: the gap "
                                      "between training and validation narrows and the validation "
                                      "loss stops climbing."),
        "preset_lr_high": "Learning rate too high",
        "preset_lr_high_lesson": ("SGD with a learning rate 100 times too large: the loss explodes or "
                                  "stalls and the network stays at 10 %."),
        "preset_sigmoid": "Sigmoid instead of ReLU",
        "preset_sigmoid_lesson": ("Four sigmoid blocks without batch norm: the gradient vanishes and "
                                  "the network learns nothing. Switch the activation to ReLU and rerun."),
        "curve_loss": "Loss (cross-entropy)",
        "curve_acc": "Accuracy",
        "axis_epoch": "Epoch",
        "axis_loss": "Loss (nats)",
        "axis_acc": "Accuracy (%)",
        "series_train": "training",
        "series_val": "validation",
        "series_prev": "previous run",
        "series_batch": "training (per batch)",
        "confusion_title": "Confusion matrix — {n} test images, accuracy {acc} %",
        "axis_true": "True class",
        "axis_pred": "Predicted class",
        "hover_count": "images",
        "total_params": "Trainable parameters: **{n}**",
        "col_layer": "Layer",
        "col_type": "Type",
        "col_shape": "Output shape (C × H × W)",
        "col_params": "Parameters",
        "status_idle": "Ready. Pick a scenario and press **▶ Train**.",
        "status_running": ("Epoch **{epoch}** / {epochs} · step {step} · **{ips} images/s** · "
                           "{elapsed} s · loss {loss}"),
        "status_done_completed": "✔ Training complete",
        "status_done_stopped": "■ Stopped by you: the network keeps what it learned",
        "status_done_diverged": ("⚠ The loss diverged (NaN/∞): the learning rate is too high. The "
                                 "weights are no longer useful; lower it and train again."),
        "status_done_time_limit": "⚠ This server's time limit was reached",
        "status_starting": "Starting to train a network of {n} parameters…",
        "status_halted": "{reason}. Scoring the {n} test images…",
        "status_done": ("{reason} in {elapsed} s · {steps} steps · test accuracy **{acc} %** "
                        "(loss {loss})"),
        "grid_true": "true",
        "filters_legend": "blue: negative weight · white: 0 · red: positive",
        "err_range": "“{field}” must be between {lo} and {hi} (got: {value}).",
        "err_nan": "“{field}” cannot be NaN.",
        "err_type": "“{field}” must be of type {expected} (got: {value}).",
        "err_choice": "“{field}” must be one of {choices} (got: {value}).",
        "err_unknown": "Unknown parameter: “{field}”.",
        "err_steps": ("Too many training steps ({steps}); the maximum is {max}. Use fewer epochs or "
                      "a larger batch."),
        "err_dataset_missing": "The {name} dataset is not on this machine. {how}",
        "err_no_model": "There is no trained model in this session yet: press ▶ Train first.",
        "err_preset": "Unknown scenario: “{value}”.",
        "err_export": "The model could not be exported: {detail}",
        "err_unexpected": "Something went wrong on the server ({detail}). Please try again.",
        "field_dataset": "dataset", "field_blocks": "blocks", "field_filters": "filters",
        "field_kernel_size": "kernel size", "field_activation": "activation",
        "field_batch_norm": "batch norm", "field_dropout": "dropout", "field_dense": "dense units",
        "field_optimizer": "optimizer", "field_lr": "learning rate", "field_batch_size": "batch size",
        "field_epochs": "epochs", "field_weight_decay": "L2", "field_l1": "L1",
        "field_augment": "data augmentation", "field_train_size": "training images",
        "field_schedule": "schedule", "field_seed": "seed", "field_lang": "language",
        "field_preset": "scenario",
    },
}


def norm_lang(lang: str | None) -> str:
    """'es-ES', 'es', 'ES' -> 'es'; anything unknown -> the default language."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGS else DEFAULT_LANG


def lang_from_accept(header: str | None) -> str:
    """Pick es/en from an Accept-Language header ('es-ES,es;q=0.9,en;q=0.8')."""
    best, best_q = DEFAULT_LANG, -1.0
    for part in (header or "").split(","):
        bits = part.strip().split(";q=")
        code = bits[0].strip().lower()[:2]
        try:
            q = float(bits[1]) if len(bits) > 1 else 1.0
        except ValueError:
            q = 0.0
        if code in LANGS and q > best_q:
            best, best_q = code, q
    return best


def t(lang: str | None, key: str, **kw) -> str:
    """The text for ``key`` in ``lang`` (falling back to English), formatted with ``kw``."""
    table = TEXT[norm_lang(lang)]
    text = table.get(key, TEXT[DEFAULT_LANG].get(key, key))
    return text.format(**kw) if kw else text


def num(lang: str | None, x: float, digits: int = 0) -> str:
    """``x`` written as a reader of ``lang`` expects: 12,345.6 in English; 12 345,6 in Spanish
    (comma decimals, a thin no-break space between thousands)."""
    text = f"{x:,.{digits}f}"
    if norm_lang(lang) == "es":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def config_error_message(lang: str | None, err) -> str:
    """Word an ``explorer.training.ConfigError`` for the user."""
    field = t(lang, f"field_{err.field}") if f"field_{err.field}" in TEXT["en"] else err.field
    details = dict(err.details)
    if "choices" in details:
        details["choices"] = ", ".join(str(c) for c in details["choices"])
    for key in ("steps", "max"):
        if isinstance(details.get(key), int):
            details[key] = num(lang, details[key])
    return t(lang, f"err_{err.kind}", field=field, **details)
