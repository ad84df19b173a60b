from mlbook.notes import run_notes_code


def test_reports_the_error_the_code_raises():
    assert run_notes_code("model.fit(X_train)") == "NameError: name 'model' is not defined"


def test_first_line_only_and_given_namespace():
    code = "raise ValueError('short\\nlong Keras detail')"
    assert run_notes_code(code, first_line=True) == "ValueError: short"
    assert run_notes_code("y = x + 1", {"x": 1}) == "no error"
