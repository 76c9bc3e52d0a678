"""The twin bridge both ways with Keras' wave-2 options: Dropout, kernel regularizers and initialiser names
cross to Keras and back unchanged, and whatever scratch cannot compute is refused by name, never skipped."""

import keras
import numpy as np
import pytest
from conftest import floatx

from keras_models.twins import masks
from keras_models.twins.bridge import from_keras, keras_loss, to_keras
from keras_models.twins.masks import RecordingDropout
from scratch import Dense, Dropout, Network, regularizers


def assert_same_network(back: Network, net: Network) -> None:
    """`back` (from_keras of a twin) is `net` again: the same layers and settings (its repr), and the same weights."""
    assert repr(back) == repr(net)
    for ours, theirs in zip(back.get_weights(), net.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_dropout_regularizers_and_initializers_cross_to_keras_and_back():
    # (Keras' L1 keeps its factor as a float32 tensor, so L1(0.01) would come back as L1(0.009999999776...):
    # the same penalty, since the factor is applied through float32 anyway; 0.015625 = 2**-6 stays itself.)
    net = Network([Dropout(0.1, seed=4),
                   Dense(4, 6, "relu", kernel_initializer="he_normal", kernel_regularizer=regularizers.L2(0.02),
                         seed=0),
                   Dropout(0.3, seed=5),
                   Dense(6, 3, "tanh", kernel_initializer="lecun_uniform", kernel_regularizer=regularizers.L1(2**-6),
                         seed=1),
                   Dense(3, 1, "sigmoid", kernel_initializer="zeros",
                         kernel_regularizer=regularizers.L1L2(0.01, 0.03), seed=2)])
    model = to_keras(net)
    assert [type(layer).__name__ for layer in model.layers] == ["Dropout", "Dense", "Dropout", "Dense", "Dense"]
    dropouts, dense = model.layers[0::2][:2], [model.layers[i] for i in (1, 3, 4)]
    assert [(d.rate, d.seed) for d in dropouts] == [(0.1, 4), (0.3, 5)]
    assert [type(d.kernel_initializer).__name__ for d in dense] == ["HeNormal", "LecunUniform", "Zeros"]
    assert [(type(d.kernel_regularizer).__name__, d.kernel_regularizer.get_config()) for d in dense] == [
        ("L2", {"l2": 0.02}), ("L1", {"l1": 2**-6}), ("L1L2", {"l1": 0.01, "l2": 0.03})]
    for ours, theirs in zip(net.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)

    back = from_keras(model)
    assert_same_network(back, net)                    # layers, rates, activations, initialisers, regularizers
    assert [layer.seed for layer in back.dropout_layers] == [4, 5]


def test_a_dropout_seeded_with_a_numpy_integer_crosses_with_that_seed():
    """scratch's Dropout takes np.int64(7) as a seed; to_keras passed it on, and Keras refused it with
    "Argument `seed` must be an integer. Received: seed=7"."""
    net = Network([Dense(3, 2, seed=0), Dropout(0.5, seed=np.int64(7)), Dense(2, 1, seed=1)])
    assert to_keras(net).layers[1].seed == 7


def test_a_keras_model_with_nan_weights_is_refused_by_layer_and_index():
    """A diverged Keras model crossed with its NaN weights, and the twin's every output was NaN."""
    model = to_keras(Network([Dense(3, 2, "relu", seed=0), Dense(2, 1, seed=1)]))
    model.layers[1].bias.assign(np.array([np.inf]))
    with pytest.raises(ValueError, match=r"Dense layer 'dense_2' bias contains NaN or inf \(first at index \[0\]\)"):
        from_keras(model)


def test_to_keras_of_something_else_than_a_network_is_named():
    """to_keras(model) -- the bridge's other direction -- raised AttributeError: 'Sequential' has no attribute 'dtype'
    ('str' object has no attribute 'name'), to_keras(None) 'NoneType' object has no attribute 'dtype'."""
    model = to_keras(Network([Dense(3, 1, seed=0)]))
    with pytest.raises(TypeError, match="to_keras takes a scratch Network, got Sequential: from_keras turns a Keras"):
        to_keras(model)
    with pytest.raises(TypeError, match="to_keras takes a scratch Network, got NoneType$"):
        to_keras(None)


def test_keras_predict_rounds_a_float64_twins_inputs_to_floatx_and_calling_the_model_does_not():
    """Keras' behaviour, pinned (bridge.py's docstring says it): fit, predict and evaluate cast X to floatx before
    the float64 layers see it, so under float32 floatx predict gives the twin's output on float32(X); under floatx
    float64, and when the model is called, X is not rounded. A Keras upgrade that changes it is noticed here."""
    net = Network([Dense(3, 4, "tanh", seed=0), Dense(4, 1, seed=1)])       # float64
    X = np.random.default_rng(0).normal(size=(8, 3))                          # (8, 3) float64
    rounded = X.astype(np.float32).astype(np.float64)                         # (8, 3) float32(X)
    with floatx("float32"):
        model = to_keras(net)
        predicted, called = model.predict(X, verbose=0), np.asarray(model(X))  # (8, 1) each
        assert 0 < np.abs(predicted - called).max() < 1e-6                   # rounding-sized: 4e-8 measured
        np.testing.assert_array_equal(predicted, np.asarray(model(rounded)))
    with floatx("float64"):
        model = to_keras(net)
        np.testing.assert_array_equal(model.predict(X, verbose=0), np.asarray(model(X)))


def test_a_recording_dropout_is_a_dropout_and_comes_back_as_one():
    net = Network([Dense(3, 4, "relu"), Dropout(0.5), Dense(4, 1)])
    model = to_keras(net, dropout_layer=RecordingDropout)
    assert isinstance(model.layers[1], RecordingDropout)
    assert repr(from_keras(model)) == repr(net)
    with pytest.raises(ValueError, match=r"RecordingDropout layer\(s\) \['dropout_1'\] record nothing: call "
                                         r"masks.record\(model, steps, batch_size\)"):
        masks.recorded(model)


def test_a_twin_with_recording_dropout_saved_to_a_keras_file_loads_back_and_crosses(tmp_path):
    """keras.models.load_model of such a twin failed with Keras' "Could not locate class 'RecordingDropout'" and the
    whole model config (3 KB): the class was not registered with Keras' serialization."""
    net = Network([Dense(3, 4, "relu", seed=0), Dropout(0.5, seed=3), Dense(4, 1, seed=1)])
    to_keras(net, dropout_layer=RecordingDropout).save(tmp_path / "twin.keras")
    loaded = keras.models.load_model(tmp_path / "twin.keras")
    assert type(loaded.layers[1]) is RecordingDropout and loaded.layers[1].seed == 3
    back = from_keras(loaded)
    assert_same_network(back, net)


@pytest.mark.parametrize("make_layer", [lambda: RecordingDropout(0.5, noise_shape=(None, 1)),
                                        lambda: RecordingDropout(0.5, (None, 1), 3),
                                        lambda: setattr(RecordingDropout(0.5), "noise_shape", (None, 1))],
                         ids=["keyword", "positional", "set-after-made"])
def test_a_recording_dropout_refuses_a_noise_shape_it_would_ignore(make_layer):
    """Its draw is on ones of the input's shape (masks.py), one mask entry per example and unit: a noise_shape would
    be dropped without a word, a layer that records and drops full masks where Keras' Dropout shares one per row
    (set on a made layer, it was: layer.noise_shape = (None, 1) was taken and the layer dropped single units)."""
    with pytest.raises(ValueError, match=r"^RecordingDropout records one mask entry per example and unit; "
                                         r"noise_shape=\(None, 1\) is not supported$"):
        make_layer()


class AlwaysDropping(keras.layers.Dropout):
    """Monte Carlo dropout: drops units at inference too, unlike keras.layers.Dropout and scratch's Dropout."""

    def call(self, inputs, training=None):
        return super().call(inputs, training=True)


class Doubled(keras.layers.Dense):
    """A Dense whose call returns twice what Dense computes: the weights alone do not tell."""

    def call(self, inputs, training=None):
        return 2 * super().call(inputs)


def keras_model(*layers) -> keras.Sequential:
    return keras.Sequential([keras.Input(shape=(3,)), *layers])


# the layers are built in the test (lambda), not at import: a Keras layer made at import starts TensorFlow,
# which must not run before conftest.py splits the CPU into two devices (tests/cpu_devices.py)
@pytest.mark.parametrize("make_layers, message", [
    (lambda: [keras.layers.BatchNormalization(name="norm")],
     "Dense and Dropout layers only, found BatchNormalization 'norm'"),
    (lambda: [keras.layers.Dense(2, use_bias=False, name="d")], "Dense layer 'd' uses use_bias=False"),
    (lambda: [keras.layers.Dense(2, bias_regularizer="l2", name="d")], "Dense layer 'd' uses bias_regularizer"),
    (lambda: [keras.layers.Dense(2, activity_regularizer="l2", name="d")], "Dense layer 'd' uses activity_regularizer"),
    (lambda: [keras.layers.Dense(2, kernel_constraint="non_neg", name="d")], "Dense layer 'd' uses kernel_constraint"),
    (lambda: [keras.layers.Dense(2, bias_constraint="non_neg", name="d")], "Dense layer 'd' uses bias_constraint"),
    (lambda: [keras.layers.Dense(2, lora_rank=1, name="d")], "Dense layer 'd' uses LoRA"),
    (lambda: [keras.layers.Dense(2, bias_initializer="ones", name="d")], "bias_initializer other than zeros"),
    (lambda: [keras.layers.Dense(2, trainable=False, name="d")], r"Dense layer 'd' uses trainable=False \(a frozen "
                                                                  r"layer: scratch's fit trains every layer\)"),
    (lambda: [keras.layers.Dense(2, kernel_initializer="orthogonal", name="d")],
     "Dense layer 'd' has kernel_initializer Orthogonal"),
    (lambda: [keras.layers.Dense(2, kernel_initializer=keras.initializers.VarianceScaling(2.0, "fan_out"), name="d")],
     "Dense layer 'd' has kernel_initializer VarianceScaling"),
    (lambda: [keras.layers.Dense(2, kernel_regularizer=keras.regularizers.OrthogonalRegularizer(), name="d")],
     "Dense layer 'd' has kernel_regularizer OrthogonalRegularizer"),
    (lambda: [keras.layers.Dropout(0.5, noise_shape=(None, 1), name="drop"), keras.layers.Dense(1)],
     r"^Dropout layer 'drop' has noise_shape=\(None, 1\): scratch's Dropout does not support it; it draws one mask "
     r"entry per unit and example \(Keras' noise_shape=None\); leave noise_shape out$"),
    (lambda: [keras.layers.Dropout(1.0, name="drop"), keras.layers.Dense(1)],
     r"^Dropout layer 'drop' has rate=1.0: Keras zeroes every unit of it while training, so the layers after it "
     r"learn from zeros; scratch's Dropout takes a rate in \[0, 1\): give a rate below 1, e.g. Dropout\(0.5\)$"),
    (lambda: [keras.layers.Dropout(0.5, activity_regularizer="l2", name="drop"), keras.layers.Dense(1)],
     "Dropout layer 'drop' uses activity_regularizer, a penalty on its output"),
    (lambda: [keras.layers.Dropout(np.float32(0.3), name="drop"), keras.layers.Dense(1)],
     r"Dropout layer 'drop' has rate np.float32\(0.3\) of type float32: Keras computes the scale 1 / \(1 - rate\)"),
    (lambda: [], "the Keras model has no Dense layers"),
    (lambda: [keras.layers.Dropout(0.5)], "the Keras model has no Dense layers"),
    # was scratch's "the last layer must be a Dense (the output layer), got Dropout(0.5)": which Keras layer?
    (lambda: [keras.layers.Dense(2), keras.layers.Dropout(0.5, name="drop")],
     r"^Dropout layer 'drop' comes after the output layer: while training it zeroes some predictions and scales the "
     r"rest by 1 / \(1 - rate\), so Keras' fit scores thinned predictions; a scratch Network ends with its output "
     r"Dense: remove it, or move it below the output$"),
    (lambda: [keras.layers.Dense(4), AlwaysDropping(0.5, name="mc"), keras.layers.Dense(1)],
     "AlwaysDropping layer 'mc' is a subclass of keras.layers.Dropout, whose call may compute something else"),
    (lambda: [Doubled(2, name="twice")],
     "Doubled layer 'twice' is a subclass of keras.layers.Dense, whose call may compute something else"),
    (lambda: [keras.layers.Dense(2, dtype="mixed_float16", name="d")],
     r"Dense layer 'd' has dtype policy 'mixed_float16' \(weights float32, math in float16\)"),
    (lambda: [keras.layers.Dense(2), keras.layers.Dropout(0.5, dtype="float64", name="drop"), keras.layers.Dense(1)],
     "Dropout layer 'drop' computes in float64, the layers before it in float32"),
], ids=["other-layer", "no-bias", "bias-penalty", "activity-penalty", "constraint", "bias-constraint", "lora",
        "bias-init", "frozen", "orthogonal",
        "fan-out-scaling", "orthogonal-penalty", "noise-shape", "rate-1", "dropout-activity-penalty", "float32-rate",
        "no-layers", "dropout-only", "dropout-last", "dropout-subclass", "dense-subclass", "mixed-precision",
        "two-dtypes"])
def test_what_scratch_cannot_compute_is_refused_by_name(make_layers, message):
    with pytest.raises(ValueError, match=message):
        from_keras(keras_model(*make_layers()))


@pytest.mark.parametrize("call, error, message", [
    (lambda: to_keras(Network([Dense(2, 1, "step", seed=0)])), ValueError,
     r"layer 1 uses activation 'step', which Keras does not have; twins can use \('linear', 'sigmoid', "),
    (lambda: to_keras(Network([Dense(2, 1, seed=0)]), model_class=keras.Model), TypeError,
     "model_class must be keras.Sequential or a subclass of it, got <class 'keras"),
    (lambda: keras_loss("float64", "quadratic"), ValueError,
     r"no Keras loss for 'quadratic'; Keras twins use 'mse', .* \(the tutorials' 'quadratic' is \(k/2\) \* mse\)"),
    # to_keras built these without a word: a twin whose "Dropout" multiplies by noise, or drops units at inference
    (lambda: to_keras(Network([Dense(2, 3, seed=0), Dropout(0.5), Dense(3, 1, seed=1)]),
                      dropout_layer=keras.layers.GaussianDropout), TypeError,
     r"^to_keras' dropout_layer must be keras.layers.Dropout or masks.RecordingDropout \(the Dropout from_keras "
     r"takes back\), got GaussianDropout, which multiplies each unit by Gaussian noise .* instead of zeroing it$"),
    (lambda: to_keras(Network([Dense(2, 3, seed=0), Dropout(0.5), Dense(3, 1, seed=1)]),
                      dropout_layer=AlwaysDropping), TypeError,
     r"^to_keras' dropout_layer must be keras.layers.Dropout or masks.RecordingDropout .*, got AlwaysDropping, a "
     r"subclass of keras.layers.Dropout, whose call may compute something else$"),
    (lambda: to_keras(Network([Dense(2, 1, seed=0)]), dropout_layer="Dropout"), TypeError,
     r"^to_keras' dropout_layer must be keras.layers.Dropout or masks.RecordingDropout .*, got 'Dropout', not a "
     r"Keras Dropout$"),
    # scratch's (NumPy's) seeds have no bound; Keras' said "Can't convert Python sequence with out-of-range integer"
    (lambda: to_keras(Network([Dense(2, 3, seed=0), Dropout(0.5, seed=2**63), Dense(3, 1, seed=1)])), ValueError,
     r"^Dropout layer 2 has seed 9223372036854775808, beyond the seeds Keras' Dropout takes \(int64, below 2\*\*63\): "
     r"give it a smaller seed$"),
], ids=["step-activation", "functional-model-class", "quadratic-loss", "gaussian-dropout-layer",
        "dropout-subclass-layer", "dropout-layer-name", "seed-beyond-int64"])
def test_what_keras_cannot_twin_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_keras_loss_computes_in_the_given_dtype_and_keeps_from_logits():
    """The twin's Keras loss: in float64, (1 + 2**-40)**2 is 1 + 2**-39 (float32 would round it to 1); from
    logits z = [0, log 3], whose softmax is [1/4, 3/4], categorical cross-entropy is -log(3/4) = log(4/3),
    and binary cross-entropy of z = log 3 (sigmoid 3/4) against 1 is log(4/3) too."""
    assert float(keras_loss("float64", "mse")(np.array([[0.0]]), np.array([[1 + 2**-40]]))) == 1 + 2**-39
    z = np.array([[0.0, np.log(3.0)]])
    cce = keras_loss("float64", "categorical_crossentropy", from_logits=True)
    assert float(cce(np.array([[0.0, 1.0]]), z)) == pytest.approx(np.log(4 / 3), rel=1e-12)
    bce = keras_loss("float64", "binary_crossentropy", from_logits=True)
    assert float(bce(np.array([[1.0]]), z[:, 1:])) == pytest.approx(np.log(4 / 3), rel=1e-12)


@pytest.mark.parametrize("net_or_dtype", ["float64", Network([Dense(2, 1, "sigmoid", seed=0)])], ids=["dtype", "net"])
def test_keras_loss_refuses_from_logits_for_mse_as_scratch_does(net_or_dtype):
    """keras_loss(..., "mse", from_logits=True) gave a plain MeanSquaredError, the flag dropped without a word
    (Keras' MeanSquaredError(from_logits=True) is a TypeError): now scratch's own line."""
    with pytest.raises(ValueError, match=r"^from_logits=True applies to the cross-entropies only: mse compares the "
                                         r"outputs themselves, like Keras' MeanSquaredError, which takes no "):
        keras_loss(net_or_dtype, "mse", from_logits=True)


@pytest.mark.parametrize("dtype", ["int32", "float16", "bogus"])
def test_keras_loss_in_a_dtype_no_network_computes_in_is_refused(dtype):
    """keras_loss("int32", "mse") gave a Keras loss that cast y_pred to int32: MSE(1, 0.5) came out 1.0, not 0.25;
    "bogus" raised NumPy's "data type 'bogus' not understood"."""
    with pytest.raises(TypeError, match=f"keras_loss's dtype must be float32 or float64, got '?{dtype}"):
        keras_loss(dtype, "mse")


def test_a_variance_scaling_that_is_he_normal_by_its_numbers_maps_to_he_normal():
    init = keras.initializers.VarianceScaling(2.0, "fan_in", "truncated_normal")
    net = from_keras(keras_model(keras.layers.Dense(2, kernel_initializer=init)))
    assert net.layers[0].kernel_initializer.name == "he_normal"


class DoubledHidden(keras.Model):
    """A subclassed model whose call does more than chain its layers: b(2 * a(x))."""

    def __init__(self):
        super().__init__(name="doubled")
        self.a, self.b = keras.layers.Dense(3), keras.layers.Dense(1)

    def call(self, x):
        return self.b(2.0 * self.a(x))


class SkipsDense(keras.Sequential):
    """A Sequential whose call skips its first layer."""

    def call(self, inputs, training=None, mask=None):
        return self.layers[-1](inputs)


def functional_with_a_shared_layer() -> keras.Model:
    x = keras.Input(shape=(3,))
    shared = keras.layers.Dense(3)
    return keras.Model(x, shared(shared(x)), name="twice")


@pytest.mark.parametrize("make_model, message", [
    (lambda: DoubledHidden(), "got DoubledHidden 'doubled'"),
    (functional_with_a_shared_layer, "got Functional 'twice'"),
    (lambda: SkipsDense([keras.Input(shape=(3,)), keras.layers.Dense(3), keras.layers.Dense(1)], name="skips"),
     "got SkipsDense 'skips', which overrides Sequential.call"),
], ids=["subclassed", "functional", "sequential-with-its-own-call"])
def test_a_model_whose_call_is_not_the_chain_of_its_layers_is_refused_by_name(make_model, message):
    model = make_model()
    model(np.zeros((1, 3), "float32"))
    with pytest.raises(ValueError, match=f"from_keras takes a keras.Sequential of Dense and Dropout layers, {message}"):
        from_keras(model)


def test_an_activity_regularizer_on_the_model_itself_is_refused_by_name():
    """Keras adds the penalty of a Sequential's own activity_regularizer to model.losses (which fit and evaluate add
    to the loss) as it does a layer's; from_keras took such a model without a word, and its twin's loss lacked it."""
    model = keras_model(keras.layers.Dense(2, name="d"))
    model.activity_regularizer = keras.regularizers.L2(0.5)
    model(np.ones((1, 3), "float32"))
    assert len(model.losses) == 1                                    # Keras' behaviour, pinned: the penalty counts
    with pytest.raises(ValueError, match=rf"^Keras model '{model.name}' has activity_regularizer "
                                         r"L2\(\{'l2': 0.5\}\), a penalty on its output that Keras adds to the "
                                         r"loss; a scratch Network has none: remove it "
                                         r"\(model.activity_regularizer = None\)$"):
        from_keras(model)


def test_a_model_not_yet_built_is_refused_with_what_to_do():
    model = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)], name="unbuilt")
    with pytest.raises(ValueError, match=r"Keras model 'unbuilt' is not built, so its Dense layers have no weights "
                                         r"yet to copy: start it with keras.Input\(shape=\(n_in,\)\), or call "
                                         r"model.build\(\(None, n_in\)\) first"):
        from_keras(model)


def test_a_model_whose_inputs_are_not_rows_is_refused_by_its_input_shape():
    # Keras' Dense maps each row of a (m, 2, 3) input to (m, 2, 1); a Network of Dense(3, 1) takes (m, 3) only
    model = keras.Sequential([keras.Input(shape=(2, 3)), keras.layers.Dense(1)], name="images")
    with pytest.raises(ValueError, match=r"Keras model 'images' takes inputs of shape \(None, 2, 3\); a scratch "
                                         r"Network takes a batch of rows \(m, n_in\)"):
        from_keras(model)


def test_float32_inputs_into_float64_layers_are_refused_since_keras_rounds_them_first():
    # keras.Input's dtype is floatx (float32) unless given: Keras casts X to it, then to the float64 layers
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1, dtype="float64")], name="half")
    with pytest.raises(ValueError, match=r"Keras model 'half' takes float32 inputs \(keras.Input's dtype\) into "
                                         r"float64 layers, so Keras rounds X to float32 first"):
        from_keras(model)
    wider = keras.Sequential([keras.Input(shape=(3,), dtype="float64"), keras.layers.Dense(1)])   # rounded once
    assert from_keras(wider).dtype == np.float32


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_to_keras_under_a_float16_floatx_is_refused_since_keras_fit_and_predict_round_x_to_it(dtype):
    net = Network([Dense(3, 1, "sigmoid", seed=0, dtype=dtype)])
    X = np.array([[0.1, 0.2, 0.3]], dtype=dtype)
    with floatx("float16"):
        # Keras' behaviour, pinned: predict casts X to floatx before the explicitly float32/float64 model sees it
        model = keras.Sequential([keras.Input(shape=(3,), dtype=dtype), keras.layers.Dense(1, dtype=dtype)])
        assert not np.array_equal(model.predict(X, verbose=0), np.asarray(model(X)))
        with pytest.raises(ValueError, match=rf"keras.config.floatx\(\) is 'float16': Keras' fit, predict and "
                                             rf"evaluate round X to float16 before the twin's {dtype} layers see it.*"
                                             rf"call keras.config.set_floatx\('{dtype}'\) before to_keras"):
            to_keras(net)


def relu(z):
    """Not Keras' relu, though Keras serializes it as 'relu' (by its __name__)."""
    return 2.0 * keras.ops.relu(z)


@pytest.mark.parametrize("activation, what", [(relu, "test_bridge.relu"), (lambda z: z, r"test_bridge.<lambda>"),
                                              ("gelu", "keras.src.activations.activations.gelu")],
                         ids=["own-function-called-relu", "lambda", "keras-gelu"])
def test_an_activation_that_is_not_keras_own_of_a_shared_name_is_refused_by_name(activation, what):
    model = keras_model(keras.layers.Dense(2, activation=activation, name="d"))
    with pytest.raises(ValueError, match=f"Dense layer 'd' has activation {what}, which is not one of Keras' own "
                                         r"\('linear', 'sigmoid', 'tanh', 'relu', 'softmax'\)"):
        from_keras(model)


def built_dense(**options) -> keras.layers.Dense:
    dense = keras.layers.Dense(2, name="d", **options)
    dense.build((None, 3))
    return dense


def set_kernel_regularizer_after_build(dense):
    dense.kernel_regularizer = keras.regularizers.L2(0.5)       # Keras' kernel variable keeps None


def freeze_kernel(dense):
    dense.kernel.trainable = False


# Keras trains with what the weight VARIABLES carry (variable.regularizer, .constraint, .trainable), fixed when
# the layer is built; the layer's attributes may say otherwise, and the twin must follow the variables
@pytest.mark.parametrize("options, change, message", [
    ({}, set_kernel_regularizer_after_build,
     r"Dense layer 'd' has kernel_regularizer L2\(\{'l2': 0.5\}\), but Keras penalises its kernel with None"),
    ({"kernel_regularizer": "l2"}, lambda dense: setattr(dense, "kernel_regularizer", None),
     r"Dense layer 'd' has kernel_regularizer None, but Keras penalises its kernel with L2\(\{'l2': 0.01"),
    ({}, lambda dense: setattr(dense.kernel, "regularizer", keras.regularizers.L1(0.5)),
     r"Dense layer 'd' has kernel_regularizer None, but Keras penalises its kernel with L1"),
    ({}, lambda dense: setattr(dense.bias, "regularizer", keras.regularizers.L2(0.5)), "Dense layer 'd' uses "
                                                                                       "bias_regularizer"),
    ({}, lambda dense: setattr(dense.kernel, "constraint", keras.constraints.NonNeg()), "Dense layer 'd' uses "
                                                                                        "kernel_constraint"),
    ({}, lambda dense: setattr(dense.bias, "constraint", keras.constraints.NonNeg()), "Dense layer 'd' uses "
                                                                                      "bias_constraint"),
    ({}, freeze_kernel, r"Dense layer 'd' uses a frozen weight \(variable.trainable=False"),
], ids=["regularizer-set-after-build", "regularizer-removed-after-build", "variable-regularizer",
        "variable-bias-regularizer", "variable-constraint", "variable-bias-constraint", "frozen-variable"])
def test_what_keras_weight_variables_carry_is_what_the_twin_follows(options, change, message):
    dense = built_dense(**options)
    change(dense)
    with pytest.raises(ValueError, match=message):
        from_keras(keras_model(dense))


def test_a_regularizer_given_when_the_layer_was_made_still_crosses_after_saving_and_loading(tmp_path):
    model = keras_model(keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.25)))
    model.save(tmp_path / "m.keras")
    net = from_keras(keras.models.load_model(tmp_path / "m.keras"))
    assert repr(net.layers[0].kernel_regularizer) == "L2(l2=0.25)"


@pytest.mark.filterwarnings("ignore:Layer .* does not have a `quantize` method")
def test_a_quantized_model_is_refused_by_name():
    # its Dense keeps float32 math (so the dtype check alone would pass) on an int8 kernel and its scales
    model = keras_model(keras.layers.Dense(2, name="d"))
    model.quantize("int8")
    with pytest.raises(ValueError, match=r"Dense layer 'd' is quantized \(dtype policy 'int8_from_float32', "
                                         r"model.quantize\): its kernel is stored as int8 numbers with scales"):
        from_keras(model)


def test_a_dense_layer_that_comes_twice_is_refused_since_keras_shares_its_weights():
    shared = keras.layers.Dense(3, kernel_regularizer="l2", name="shared")
    model = keras_model(shared, keras.layers.Dropout(0.5), shared, keras.layers.Dense(1))
    with pytest.raises(ValueError, match="Dense layer 'shared' comes twice in the model: Keras shares its weights"):
        from_keras(model)
    dropout = keras.layers.Dropout(0.5)          # no weights: a Dropout may come twice, drawing anew each time
    assert len(from_keras(keras_model(dropout, keras.layers.Dense(3), dropout, keras.layers.Dense(1))).layers) == 4
