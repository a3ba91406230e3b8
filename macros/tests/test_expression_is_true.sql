{#
    Fails for every row where `expression` is not true (a null counts as a failure).

    Arguments: _tests__macros.yml (beside this file).
#}
{% test expression_is_true(model, expression) %}

    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)

{% endtest %}
