app_name = "services"

C = "clusters/<slug:slug>/services/"
A = C + "<int:number>/"

# Each concern's pages together, in the order of services/views/.
urlpatterns = [
    # Arrangements (views/arrangements.py)
    # Delivery log and statements (views/deliveries.py)
    # Volunteers and training (views/volunteers.py)
    # Catalogue and sites (views/catalogue.py, views/sites.py)
    # Individual-model requests (views/requests.py)
]
