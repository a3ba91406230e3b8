{#
    An expression that stops the query with `message_sql` (a SQL string expression) when it
    is evaluated: for checks that depend on the data, where a build must stop with a message
    the operator can act on rather than go on with wrong numbers. Dispatched so another
    warehouse can bring its own way to raise.
#}
{% macro sql_error(message_sql) %}
    {{ return(adapter.dispatch('sql_error', 'broker_segments')(message_sql)) }}
{% endmacro %}

{% macro default__sql_error(message_sql) %}
    error({{ message_sql }})
{% endmacro %}

{% macro spark__sql_error(message_sql) %}
    raise_error({{ message_sql }})
{% endmacro %}
